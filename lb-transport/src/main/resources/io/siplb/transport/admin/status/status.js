// siplb's status page: one EventSource to /events, one snapshot a second, drawn as plain DOM and SVG.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const tokenInput = document.getElementById('token');
  tokenInput.value = params.get('token') || '';
  let last = null;

  function token() { return tokenInput.value; }

  function text(id, value) { document.getElementById(id).textContent = value; }

  function showError(message) {
    const box = document.getElementById('error');
    box.textContent = message;
    box.classList.toggle('hidden', !message);
  }

  function spark(points, width, height) {
    if (!points || points.length < 2) { return ''; }
    const max = Math.max(1, ...points);
    const step = width / (points.length - 1);
    const coords = points.map((v, i) => (i * step).toFixed(1) + ',' + (height - v / max * (height - 2) - 1).toFixed(1));
    return '<svg viewBox="0 0 ' + width + ' ' + height + '" preserveAspectRatio="none"><polyline fill="none" '
      + 'stroke="#1b6ec2" stroke-width="1.5" points="' + coords.join(' ') + '"/></svg>';
  }

  function polyline(values, max, color) {
    if (values.length < 2) { return ''; }
    const step = 900 / (values.length - 1);
    const coords = values.map((v, i) => (i * step).toFixed(1) + ',' + (118 - v / max * 112).toFixed(1));
    return '<polyline fill="none" stroke="' + color + '" stroke-width="1.5" points="' + coords.join(' ') + '"/>';
  }

  function escape(value) {
    return String(value).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  }

  // calls counted against a destination: every node's in a cluster, with this node's share and maxload
  function load(d, cluster) {
    return d.load + (d.reported ? ' <span class="here">(reported)</span>' : '') + (d.maxload ? ' / ' + d.maxload : '')
      + (cluster.mode === 'redis' ? ' <span class="here">(' + d.loadHere + ' here)</span>' : '');
  }

  function renderCluster(cluster) {
    const section = document.getElementById('cluster');
    section.classList.toggle('hidden', cluster.mode !== 'redis');
    if (cluster.mode !== 'redis') return;
    text('cluster-store', cluster.redis + (cluster.connected ? ' connected' : ' NOT CONNECTED')
      + (cluster.problem ? ' (' + cluster.problem + ')' : '') + ', probe=' + cluster.probe
      + ', sync ' + cluster.syncMs + ' ms, TTL ' + cluster.ttlMs + ' ms');
    document.querySelector('#cluster tbody').innerHTML = cluster.members
      .map(m => '<tr><td>' + escape(m.id) + (m.self ? ' (this node)' : '') + '</td><td>' + escape(m.sip) + '</td><td>'
        + m.calls + '</td><td>' + m.heartbeatAgeMs + '</td><td>' + m.probes + '</td></tr>').join('');
  }

  function render(data) {
    last = data;
    text('rate-invites', data.rates.invites ?? 0);
    text('rate-ok', data.rates.ok ?? 0);
    text('rate-failovers', data.rates.failovers ?? 0);
    text('rate-shed', data.rates.shed ?? 0);
    text('total-live', data.totals.liveTransactions);
    text('total-dialogs', data.totals.dialogs);
    text('total-malformed', data.totals.malformedDropped);
    text('total-banned', data.totals.banned);
    document.getElementById('overload').classList.toggle('hidden', !data.overloaded);
    text('lag', 'loop lag: ' + data.loopLagMs.map(l => l.toFixed(1) + ' ms').join(', '));
    document.getElementById('probing').textContent = 'probing ' + (data.probing ? 'on: turn off' : 'off: turn on');
    const calls = data.history.calls, failovers = data.history.failovers;
    const max = Math.max(1, ...calls, ...failovers);
    document.getElementById('history').innerHTML = polyline(calls, max, '#1b6ec2') + polyline(failovers, max, '#d9480f');
    let html = '';
    for (const set of data.sets) {
      html += '<div class="set-title">set ' + set.id + (set.panic
          ? ' <span class="panic" title="too few destinations usable (siplb.dispatch.panic-threshold): every one not disabled is used">PANIC</span>'
          : '') + '</div><table class="set" data-set="' + set.id + '"><thead><tr>'
        + '<th>destination</th><th>state</th><th class="prio">prio</th><th>load</th><th>dialogs</th><th>est ms</th><th>avg ms</th>'
        + '<th>timeouts</th><th>sent</th><th>failed</th><th class="spark">latency, 5 min</th><th></th></tr></thead><tbody>';
      for (const d of set.destinations) {
        const name = d.duid ? d.duid + ' (' + d.uri + ')' : d.uri;
        html += '<tr data-uri="' + escape(d.uri) + '" data-flags="' + d.flags + '"><td>' + escape(name) + '</td>'
          + '<td class="flags"><span class="state-' + d.flags[0] + '">' + d.flags + '</span>'
          + (d.drain ? ' <span class="drain" title="no new dialogs; live ones go on (' + d.drain + ')">DRAINING</span>' : '') + '</td>'
          + '<td class="prio">' + d.priority + '</td><td class="load">' + load(d, data.cluster) + '</td><td class="dialogs">' + d.dialogs + '</td>'
          + '<td>' + d.est + '</td><td>' + d.avg + '</td>'
          + '<td>' + d.timeouts + '</td><td>' + d.attempts + '</td><td>' + d.failures + '</td><td class="spark">' + spark(d.spark, 90, 18) + '</td><td>'
          + '<button data-state="a">active</button><button data-state="i">inactive</button>'
          + '<button data-state="d">disabled</button><button data-state="drain">drain</button></td></tr>';
      }
      html += '</tbody></table>';
    }
    document.getElementById('sets').innerHTML = html;
    renderCluster(data.cluster);
    document.querySelector('#routes tbody').innerHTML = data.routes
      .map(r => '<tr><td>' + escape(r.name) + '</td><td>' + r.hits + '</td></tr>').join('');
  }

  async function act(question, path) {
    if (!confirm(question)) { return; }
    const headers = token() ? {'Authorization': 'Bearer ' + token()} : {};
    try {
      const response = await fetch(path, {method: 'POST', headers: headers});
      const body = await response.json().catch(() => ({}));
      showError(response.ok ? '' : (body.error || ('HTTP ' + response.status)) + ' (HTTP ' + response.status + ')');
    } catch (e) {
      showError('cannot reach siplb: ' + e);
    }
  }

  document.getElementById('sets').addEventListener('click', event => {
    const button = event.target.closest('button[data-state]');
    if (!button) { return; }
    const row = button.closest('tr');
    const set = button.closest('table').dataset.set;
    const state = button.dataset.state === 'drain' ? 'drain'
      : button.dataset.state + (row.dataset.flags.endsWith('P') ? 'p' : '');
    act('Set ' + row.dataset.uri + ' of set ' + set + ' to ' + button.textContent + '?',
      '/dispatcher/state?set=' + encodeURIComponent(set) + '&uri=' + encodeURIComponent(row.dataset.uri)
      + '&state=' + state);
  });
  document.getElementById('reload-list').addEventListener('click', () =>
    act('Reload the destination list from its file?', '/dispatcher/reload'));
  document.getElementById('reload-routes').addEventListener('click', () =>
    act('Reload the routes from the configuration?', '/routes/reload'));
  document.getElementById('probing').addEventListener('click', () => {
    const on = last && last.probing;
    act('Turn probing ' + (on ? 'off' : 'on') + '?', '/dispatcher/ping?active=' + (on ? '0' : '1'));
  });

  function connect() {
    const badge = document.getElementById('connection');
    const source = new EventSource('/events' + (token() ? '?token=' + encodeURIComponent(token()) : ''));
    source.onopen = () => { badge.textContent = 'live'; badge.className = 'badge live'; };
    source.onmessage = event => render(JSON.parse(event.data));
    source.onerror = () => { badge.textContent = 'disconnected, retrying'; badge.className = 'badge down'; };
  }
  connect();
})();
