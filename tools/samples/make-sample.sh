#!/usr/bin/env bash
# Makes resources/samples/sample-call.pcap from real peers on loopback: SIPp user agents calling
# through a Kamailio stateful, record-routing proxy, captured with tshark (classic pcap, -F pcap).
#   alice 127.0.0.10 -> proxy 127.0.0.20 -> bob 127.0.0.30 (answers) / busy 127.0.0.31 (486)
# Calls: 3 answered calls to bob, 1 call to busy (486), 1 call to an unknown user (404 from the proxy).
# Needs root (capture on lo), sipp (sip-tester), kamailio, tshark.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../resources/samples/sample-call.pcap}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/kamailio.pid" ] && kill "$(cat "$work/kamailio.pid")" 2>/dev/null; rm -rf "$work"' EXIT

sed -e 's/__PROXY_ADDR__/127.0.0.20:5060/' -e 's/__UAS_ADDR__/127.0.0.30:5060/' -e 's/__BUSY_ADDR__/127.0.0.31:5060/' \
    "$here/kamailio-sample.cfg" > "$work/k.cfg"

tshark -q -i lo -F pcap -w "$work/cap.pcap" -f 'udp port 5060' >/dev/null 2>&1 &
tshark_pid=$!
sleep 2
kamailio -f "$work/k.cfg" -P "$work/kamailio.pid" -Y "$work" -w "$work" 2>"$work/kamailio.log"
sipp -sf "$here/uas-answer.xml" -i 127.0.0.30 -p 5060 -nostdin >/dev/null 2>&1 &
sipp -sf "$here/uas-busy.xml" -i 127.0.0.31 -p 5060 -nostdin >/dev/null 2>&1 &
sleep 0.5
sipp -sf "$here/uac-call.xml" -s bob 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 3 -r 2 -d 800 -nostdin > "$work/uac.log" 2>&1 || { echo "sipp failed:"; tail -30 "$work/uac.log"; kill -INT $tshark_pid; sleep 1; cp "$work/cap.pcap" /tmp/failed.pcap; exit 1; }
sipp -sf "$here/uac-rejected.xml" -s busy 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 1 -nostdin > "$work/uac.log" 2>&1 || { echo "sipp failed:"; tail -30 "$work/uac.log"; kill -INT $tshark_pid; sleep 1; cp "$work/cap.pcap" /tmp/failed.pcap; exit 1; }
sipp -sf "$here/uac-rejected.xml" -s carol 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 1 -nostdin > "$work/uac.log" 2>&1 || { echo "sipp failed:"; tail -30 "$work/uac.log"; kill -INT $tshark_pid; sleep 1; cp "$work/cap.pcap" /tmp/failed.pcap; exit 1; }
sleep 1
kill -INT "$tshark_pid"; wait "$tshark_pid" 2>/dev/null || true
mkdir -p "$(dirname "$out")"
cp "$work/cap.pcap" "$out"
echo "wrote $out: $(tshark -r "$out" -Y sip 2>/dev/null | wc -l) SIP packets"
