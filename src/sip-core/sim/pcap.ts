/**
 * Writes the packets of a simulation as a classic pcap (µs, LINKTYPE_RAW: IPv4/IPv6 + UDP or TCP), so
 * Wireshark/tshark open a simulated run like a capture. `simulate --pcap` passes the SIP messages and
 * the phones' RTP (`Simulation.wirePackets`). Times are the virtual send times, starting at epoch 0 +
 * the scenario time: each packet as on its sender's wire, so one the network dropped on the way (loss,
 * a NAT with no mapping) is in the file too, with its addresses as sent.
 */
import { buildPcap } from '../capture/writer/synthesize';
import type { WirePacket } from './network';

/** The pcap bytes of the packets. `baseUs` is added to every time. */
export function simulationPcap(packets: readonly WirePacket[], baseUs = 0): Uint8Array {
  return buildPcap(
    packets.map((p) => ({
      timeUs: baseUs + p.sentAt,
      srcHost: p.from.host,
      srcPort: p.from.port,
      dstHost: p.to.host,
      dstPort: p.to.port,
      transport: p.from.transport,
      payload: p.bytes,
    })),
  );
}
