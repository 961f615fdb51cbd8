# Shared by make-sample.sh and make-problems-sample.sh (source it): a loopback lab of a Kamailio
# stateful, record-routing proxy (kamailio-sample.cfg) captured with tshark (classic pcap, -F pcap).
#   alice 127.0.0.10 -> proxy 127.0.0.20 -> bob 127.0.0.30 (answers) / busy 127.0.0.31 (486)
#                                         -> erin 127.0.0.32 / dave 127.0.0.34 (problems sample)
#                                         -> grace 127.0.0.33 (media sample)
# Needs root (capture on lo), sipp (sip-tester), kamailio, tshark.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/kamailio.pid" ] && kill "$(cat "$work/kamailio.pid")" 2>/dev/null; rm -rf "$work"' EXIT

# Starts the capture and the proxy.
lab_start() {
  sed -e 's/__PROXY_ADDR__/127.0.0.20:5060/' -e 's/__UAS_ADDR__/127.0.0.30:5060/' -e 's/__BUSY_ADDR__/127.0.0.31:5060/' \
      -e 's/__NOACK_ADDR__/127.0.0.32:5060/' -e 's/__DEAD_ADDR__/127.0.0.34:5060/' -e 's/__GRACE_ADDR__/127.0.0.33:5060/' \
      "$here/kamailio-sample.cfg" > "$work/k.cfg"
  tshark -q -i lo -F pcap -w "$work/cap.pcap" -f "${capture_filter:-udp port 5060}" >/dev/null 2>&1 &
  tshark_pid=$!
  sleep 2
  kamailio -f "$work/k.cfg" -P "$work/kamailio.pid" -Y "$work" -w "$work" 2>"$work/kamailio.log"
}

# Runs one SIPp client to completion (arguments as for sipp); on failure shows its log and stops.
lab_uac() {
  sipp "$@" -nostdin > "$work/uac.log" 2>&1 || {
    echo "sipp failed:"; tail -30 "$work/uac.log"; kill -INT "$tshark_pid"; sleep 1; cp "$work/cap.pcap" /tmp/failed.pcap; exit 1
  }
}

# Stops the capture and copies it to $1.
lab_finish() {
  sleep 1
  kill -INT "$tshark_pid"; wait "$tshark_pid" 2>/dev/null || true
  mkdir -p "$(dirname "$1")"
  cp "$work/cap.pcap" "$1"
  echo "wrote $1: $(tshark -r "$1" -Y sip 2>/dev/null | wc -l) SIP packets"
}
