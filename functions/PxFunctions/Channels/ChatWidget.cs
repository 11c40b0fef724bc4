namespace PxFunctions.Channels;

/// <summary>
/// The web chat widget (vanilla JavaScript, no framework) and the hosted page that opens it full-page. The widget
/// lives in a Shadow DOM so the brand's CSS neither reaches it nor is touched by it; every text goes in with
/// <c>textContent</c>, so nothing a customer or a template writes can run. It polls: every 3 s while open and
/// recently active, every 15 s when idle or hidden, and waits out a 429's Retry-After before trying again.
/// </summary>
internal static class ChatWidget
{
    public const string Page = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>Chat</title></head>
        <body style="margin:0;background:#f4f4f5">
        <script src="/api/chat/widget.js" data-mode="page"></script>
        </body>
        </html>
        """;

    public const string Script = """
        (function () {
          'use strict';
          var script = document.currentScript;
          if (!script || window.__pxChat) { return; }
          window.__pxChat = true;
          var base = new URL(script.src, location.href).origin;
          var full = script.getAttribute('data-mode') === 'page';
          var fragment = new URLSearchParams(location.hash.slice(1));
          var linkToken = script.getAttribute('data-token') || fragment.get('t');
          if (fragment.get('t') && history.replaceState) {
            // The token leaves the address bar (and the history); it is kept for this tab only.
            history.replaceState(null, '', location.pathname + location.search);
            try { sessionStorage.setItem('px-chat-link', linkToken); } catch (e) { }
          }
          if (!linkToken) { try { linkToken = sessionStorage.getItem('px-chat-link'); } catch (e) { } }

          var host = document.createElement('div');
          host.setAttribute('data-px-chat', '');
          var root = host.attachShadow({ mode: 'open' });
          var style = document.createElement('style');
          style.textContent = [
            ':host{all:initial;font:15px/1.4 system-ui,sans-serif;color:#18181b}',
            '.launcher{position:fixed;right:20px;bottom:20px;border:0;border-radius:24px;padding:12px 18px;background:#18181b;color:#fff;font:inherit;cursor:pointer;z-index:2147483646}',
            '.panel{position:fixed;right:20px;bottom:76px;width:360px;max-width:calc(100vw - 40px);height:520px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.2);z-index:2147483647;overflow:hidden}',
            '.panel.full{position:static;width:auto;max-width:40rem;height:100vh;max-height:none;margin:0 auto;border-radius:0}',
            '.panel[hidden]{display:none}',
            'header{padding:12px 16px;background:#18181b;color:#fff;display:flex;justify-content:space-between;align-items:center}',
            'header button{background:none;border:0;color:#fff;font:inherit;cursor:pointer}',
            'ol{list-style:none;margin:0;padding:12px;flex:1;overflow-y:auto;display:flex;flex-direction:column;gap:8px}',
            'li{max-width:80%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}',
            'li.from-journey,li.from-agent{align-self:flex-start;background:#f4f4f5}',
            'li.from-customer{align-self:flex-end;background:#2563eb;color:#fff}',
            'li time{display:block;font-size:11px;opacity:.7}',
            'form{display:flex;gap:8px;padding:8px;border-top:1px solid #e4e4e7}',
            'textarea{flex:1;resize:none;font:inherit;padding:8px;border:1px solid #d4d4d8;border-radius:8px}',
            'form button{border:0;border-radius:8px;padding:0 14px;background:#2563eb;color:#fff;font:inherit;cursor:pointer}',
            '.status{margin:0;padding:0 12px 8px;font-size:12px;color:#71717a;min-height:1em}'
          ].join('\n');
          root.appendChild(style);

          var launcher = el('button', 'launcher', 'Chat with us');
          launcher.type = 'button';
          var panel = el('section', 'panel' + (full ? ' full' : ''));
          panel.setAttribute('aria-label', 'Chat');
          var head = el('header');
          head.appendChild(el('span', 'title', 'Chat'));
          var close = el('button', 'close', '\u00d7');
          close.type = 'button';
          close.setAttribute('aria-label', 'Close');
          if (!full) { head.appendChild(close); }
          var list = el('ol', 'lines');
          list.setAttribute('aria-live', 'polite');
          var form = el('form');
          var input = el('textarea');
          input.name = 'text';
          input.rows = 2;
          input.maxLength = 1000;
          input.placeholder = 'Write a reply';
          var send = el('button', 'send', 'Send');
          send.type = 'submit';
          form.appendChild(input);
          form.appendChild(send);
          var status = el('p', 'status');
          status.setAttribute('role', 'status');
          panel.appendChild(head);
          panel.appendChild(list);
          panel.appendChild(form);
          panel.appendChild(status);
          if (!full) { root.appendChild(launcher); panel.hidden = true; }
          root.appendChild(panel);
          (document.body || document.documentElement).appendChild(host);

          var session = null, cursor = null, seen = {}, timer = null, open = false, lastActive = 0, pausedUntil = 0;

          function el(tag, cls, text) {
            var e = document.createElement(tag);
            if (cls) { e.className = cls; }
            if (text) { e.textContent = text; }
            return e;
          }
          function say(text) { status.textContent = text || ''; }
          function uuid() {
            if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
            var b = crypto.getRandomValues(new Uint8Array(16)), h = '';
            for (var i = 0; i < 16; i++) { h += (b[i] + 256).toString(16).slice(1); }
            return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
          }
          function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
          function retryAfter(res) { var s = parseInt(res.headers.get('Retry-After') || '5', 10); return (isNaN(s) ? 5 : s) * 1000; }

          function call(method, path, body) {
            var headers = { 'Content-Type': 'application/json' };
            if (session) { headers.Authorization = 'Bearer ' + session; }
            return fetch(base + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: 'omit', cache: 'no-store' });
          }

          function connect() {
            if (!linkToken) { say('This chat needs a link from one of our messages.'); return Promise.resolve(false); }
            return call('POST', '/api/chat/sessions', { token: linkToken }).then(function (res) {
              if (res.status === 401) { say('This chat link has expired or is not valid.'); return false; }
              if (!res.ok) { say('The chat is not available right now.'); return false; }
              return res.json().then(function (s) { session = s.session; return true; });
            }, function () { say('You are offline; trying again soon.'); return false; });
          }

          function show(line) {
            if (seen[line.id]) { return; }
            seen[line.id] = true;
            var item = el('li', 'line from-' + (line.author === 'customer' ? 'customer' : line.author === 'agent' ? 'agent' : 'journey'));
            item.setAttribute('data-author', line.author);
            item.appendChild(el('span', 'text', line.text));
            var at = el('time', null, new Date(line.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
            at.dateTime = line.at;
            item.appendChild(at);
            list.appendChild(item);
            list.scrollTop = list.scrollHeight;
          }

          function poll() {
            if (!session) { return connect().then(function (ok) { return ok ? poll() : null; }); }
            return call('GET', '/api/chat/messages' + (cursor ? '?after=' + encodeURIComponent(cursor) : '')).then(function (res) {
              if (res.status === 401) { session = null; return; }
              if (res.status === 429) { pausedUntil = Date.now() + retryAfter(res); return; }
              if (!res.ok) { return; }
              return res.json().then(function (page) {
                if (page.lines.length) { lastActive = Date.now(); }
                page.lines.forEach(show);
                cursor = page.cursor || cursor;
                if (say && status.textContent === 'You are offline; trying again soon.') { say(''); }
              });
            }, function () { say('You are offline; trying again soon.'); });
          }

          function schedule() {
            clearTimeout(timer);
            if (!open) { return; }
            var busy = !document.hidden && Date.now() - lastActive < 120000;
            var delay = Math.max(busy ? 3000 : 15000, pausedUntil - Date.now());
            timer = setTimeout(function () { poll().then(schedule, schedule); }, delay);
          }

          function openPanel() {
            open = true;
            lastActive = Date.now();
            panel.hidden = false;
            launcher.hidden = true;
            input.focus();
            poll().then(schedule, schedule);
          }
          function closePanel() { open = false; panel.hidden = true; launcher.hidden = false; clearTimeout(timer); }

          function deliver(message, attempt) {
            return call('POST', '/api/chat/messages', message).then(function (res) {
              if (res.status === 429 && attempt < 5) {
                var ms = retryAfter(res);
                say('Sending in ' + Math.ceil(ms / 1000) + ' s\u2026');
                return wait(ms).then(function () { return deliver(message, attempt + 1); });
              }
              if (res.status === 401 && attempt < 2) {
                session = null;
                return connect().then(function (ok) { return ok ? deliver(message, attempt + 1) : false; });
              }
              if (!res.ok) { say('Not sent; please try again.'); return false; }
              say('');
              return true;
            }, function () {
              if (attempt < 5) { say('Offline; retrying\u2026'); return wait(3000 * (attempt + 1)).then(function () { return deliver(message, attempt + 1); }); }
              say('Not sent; please try again.');
              return false;
            });
          }

          form.addEventListener('submit', function (event) {
            event.preventDefault();
            var text = input.value.trim();
            if (!text) { return; }
            send.disabled = true;
            lastActive = Date.now();
            var message = { id: uuid(), text: text.slice(0, 1000) };
            (session ? Promise.resolve(true) : connect()).then(function (ok) { return ok ? deliver(message, 0) : false; }).then(function (sent) {
              send.disabled = false;
              if (sent) { input.value = ''; poll().then(schedule, schedule); }
            });
          });
          input.addEventListener('keydown', function (event) {
            if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
          });
          launcher.addEventListener('click', openPanel);
          close.addEventListener('click', closePanel);
          document.addEventListener('visibilitychange', function () { if (open && !document.hidden) { poll().then(schedule, schedule); } });
          if (full) { openPanel(); }
        })();
        """;
}
