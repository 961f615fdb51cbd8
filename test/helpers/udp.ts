import { createSocket } from 'node:dgram';

/** Sends one SIP datagram from 127.0.0.1:fromPort and resolves with the first reply (5 s at most). */
export function sendUdp(text: string, toPort: number, fromPort: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no reply within 5 s'));
    }, 5000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString('utf8'));
    });
    s.bind(fromPort, '127.0.0.1', () => s.send(Buffer.from(text), toPort, '127.0.0.1'));
  });
}

/** A UDP port free on 127.0.0.1 just now (bound to port 0, read, closed). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
