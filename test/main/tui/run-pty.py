"""Runs a command in a pseudo-terminal of COLS x ROWS for the TUI's end-to-end tests: what the test
writes on stdin goes to the terminal's keyboard, what the program writes to the terminal comes out
on stdout; when the program exits, prints `\x00EXIT <code>` on stderr and exits. A line
`\x00RESIZE <cols> <rows>` on stdin resizes the terminal (the kernel sends the program SIGWINCH)."""
import fcntl, os, pty, select, struct, sys, termios

cols, rows = int(sys.argv[1]), int(sys.argv[2])
cmd = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(cmd[0], cmd)
sys.stderr.write('\x00PID %d\n' % pid)
sys.stderr.flush()
stdin_open = True
while True:
    fds = [fd] + ([0] if stdin_open else [])
    r, _, _ = select.select(fds, [], [], 0.5)
    if 0 in r:
        data = os.read(0, 4096)
        if not data:
            stdin_open = False
        else:
            while b'\x00RESIZE ' in data:
                i = data.index(b'\x00RESIZE ')
                j = data.index(b'\n', i)
                c, r = data[i + 8:j].split()
                if i > 0:
                    os.write(fd, data[:i])
                fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', int(r), int(c), 0, 0))
                data = data[j + 1:]
            if data:
                os.write(fd, data)
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.stderr.write('\x00EXIT %d\n' % code)
sys.exit(0)
