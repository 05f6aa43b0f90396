'use strict';
// JsSIP as a browser runs it, under Node.js: registers through siplb over a WebSocket, calls a
// target, and waits for the far end to hang up. One line per event on stdout (REGISTERED,
// PROGRESS, CONFIRMED, ENDED <originator> <cause> by <method>, UNREGISTERED); exit 0 once the far end's BYE
// ended the call and the registration was removed, 1 on any failure, 2 after 30 s.
//
// Usage: node call.js <ws-url> <origin> <aor> <target>

const JsSIP = require('jssip');
const NodeWebSocket = require('jssip-node-websocket');

const [url, origin, aor, target] = process.argv.slice(2);

// Node.js has no WebRTC. JsSIP's SIP stack is what is under test; this stand-in for
// RTCPeerConnection gives it a fixed audio offer and accepts the answer, so no media flows.
const OFFER = [
  'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

class StandInPeerConnection extends EventTarget {
  constructor() {
    super();
    this.iceGatheringState = 'complete';
    this.iceConnectionState = 'new';
    this.connectionState = 'new';
    this.signalingState = 'stable';
    this.localDescription = null;
    this.remoteDescription = null;
  }
  createOffer() { return Promise.resolve({ type: 'offer', sdp: OFFER }); }
  createAnswer() { return Promise.resolve({ type: 'answer', sdp: OFFER }); }
  setLocalDescription(description) {
    this.localDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
    return Promise.resolve();
  }
  setRemoteDescription(description) {
    this.remoteDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
    return Promise.resolve();
  }
  addTrack() { return {}; }
  getSenders() { return []; }
  getReceivers() { return []; }
  getTransceivers() { return []; }
  close() { this.signalingState = 'closed'; }
}
global.RTCPeerConnection = StandInPeerConnection;
global.window = global; // JsSIP looks for window.RTCPeerConnection
global.RTCSessionDescription = class {
  constructor(init) { this.type = init.type; this.sdp = init.sdp; }
};

const say = (line) => console.log(line);
const fail = (why) => { say(`FAILED ${why}`); process.exit(1); };
setTimeout(() => { say('TIMEOUT'); process.exit(2); }, 30000);

const socket = new NodeWebSocket(url, { origin });
const ua = new JsSIP.UA({
  sockets: [socket],
  uri: aor,
  register: true,
  register_expires: 600,
  session_timers: false,
  user_agent: 'JsSIP interop (siplb)',
});

let called = false;
ua.on('registered', () => {
  say('REGISTERED');
  if (called) {
    return;
  }
  called = true;
  const session = ua.call(target, { mediaConstraints: { audio: false, video: false } });
  session.on('progress', (e) => say(`PROGRESS ${e.response ? e.response.status_code : ''}`));
  session.on('confirmed', () => say('CONFIRMED'));
  session.on('failed', (e) => fail(`call ${e.originator} ${e.cause}`));
  session.on('ended', (e) => {
    // a far end's BYE ends the call with cause Terminated and the BYE as its message
    say(`ENDED ${e.originator} ${e.cause} by ${e.message ? e.message.method : '-'}`);
    ua.unregister();
  });
});
ua.on('unregistered', () => {
  say('UNREGISTERED');
  ua.stop();
  setTimeout(() => process.exit(0), 200);
});
ua.on('registrationFailed', (e) => fail(`registration ${e.cause}`));
ua.on('disconnected', (e) => { if (e.error) fail(`socket ${e.code} ${e.reason}`); });
ua.start();
