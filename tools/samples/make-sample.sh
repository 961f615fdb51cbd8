#!/usr/bin/env bash
# Makes resources/samples/sample-call.pcap from real peers on loopback: SIPp user agents calling
# through a Kamailio stateful, record-routing proxy (sample-lab.sh), captured with tshark.
# Calls: 3 answered calls to bob, 1 call to busy (486), 1 call to an unknown user (404 from the proxy).
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")" && pwd)/../../resources/samples/sample-call.pcap}"
. "$(dirname "$0")/sample-lab.sh"
lab_start
sipp -sf "$here/uas-answer.xml" -i 127.0.0.30 -p 5060 -nostdin >/dev/null 2>&1 &
sipp -sf "$here/uas-busy.xml" -i 127.0.0.31 -p 5060 -nostdin >/dev/null 2>&1 &
sleep 0.5
lab_uac -sf "$here/uac-call.xml" -s bob 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 3 -r 2 -d 800
lab_uac -sf "$here/uac-rejected.xml" -s busy 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 1
lab_uac -sf "$here/uac-rejected.xml" -s carol 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 1
lab_finish "$out"
