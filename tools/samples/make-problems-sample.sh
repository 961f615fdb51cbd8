#!/usr/bin/env bash
# Makes resources/samples/sample-problems.pcap from real peers on loopback (sample-lab.sh): the same
# Kamailio proxy and SIPp user agents, with calls that go wrong the way real ones do, for the
# analysis' diagnostics to find (the capture runs ~40 s so the 64*T1 timers can expire):
#   1. bob: an answered call (for contrast).
#   2. erin: the caller sends its ACK and BYE without the route set; the proxy cannot relay the
#      ACK and rejects the BYE (404); erin retransmits the 200 for 32 s and gives up.
#   3. dave: nothing listens at dave's address; the proxy retransmits the INVITE and answers 408.
#   4. a request arriving with Max-Forwards 0 (as a looping one does): 483 from the proxy.
#   5. a MESSAGE whose Content-Length is longer than its body.
#   6. bob again, 35 s in: answered.
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")" && pwd)/../../resources/samples/sample-problems.pcap}"
. "$(dirname "$0")/sample-lab.sh"
lab_start
start=$SECONDS
sipp -sf "$here/uas-answer.xml" -i 127.0.0.30 -p 5060 -nostdin >/dev/null 2>&1 &
sipp -sf "$here/uas-answer-no-ack.xml" -i 127.0.0.32 -p 5060 -max_invite_retrans 20 -nostdin >/dev/null 2>&1 &
sleep 0.5
lab_uac -sf "$here/uac-call.xml" -s bob 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 1 -d 800
sipp -sf "$here/uac-ack-no-route.xml" -s erin 127.0.0.20:5060 -i 127.0.0.10 -p 5062 -m 1 -nostdin > "$work/erin.log" 2>&1 &
erin=$!
sleep 0.5
sipp -sf "$here/uac-failures.xml" -s dave 127.0.0.20:5060 -i 127.0.0.10 -p 5064 -m 1 -key mf 70 \
  -key subject "callee unreachable" -nostdin > "$work/dave.log" 2>&1 &
dave=$!
sleep 0.5
lab_uac -sf "$here/uac-failures.xml" -s bob 127.0.0.20:5060 -i 127.0.0.10 -p 5066 -m 1 -key mf 0 -key subject "looping request"
lab_uac -sf "$here/uac-message-bad-length.xml" -s frank 127.0.0.20:5060 -i 127.0.0.10 -p 5068 -m 1
wait "$dave" || { echo "dave's call failed:"; tail -20 "$work/dave.log"; }
wait "$erin" || { echo "erin's call failed:"; tail -20 "$work/erin.log"; }
# After erin gives up (32 s after its 200) and the 64*T1 timers of every transaction have run out,
# a second answered call to bob: the capture goes on past them, so an analysis can tell.
sleep $((35 - SECONDS + start))
lab_uac -sf "$here/uac-call.xml" -s bob 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 1 -d 800
lab_finish "$out"
