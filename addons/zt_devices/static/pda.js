// This file is part of zt-inventory.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
//
// The PDA page of the keeper's issue step.  Every decision is the server's:
// the page only sends what was scanned (zt.device.scan.submit_unsigned, one
// idempotency key per scan, kept with the scan until the server answered,
// so a retry after a lost connection is never counted twice) and asks the
// server to issue from the accepted scans (zt.issue.request.issue_from_scans).
'use strict';
(function () {
    const database = decodeURIComponent(location.pathname.split('/')[1]);
    const rpcUrl = '/' + encodeURIComponent(database) + '/rpc/';
    const TEXTS = {
        en: {},
        zh: {
            title: '领料发料', login: '用户名', password: '密码',
            sign_in: '登录', warehouse: '仓库', request: '领料单',
            product: '物料', quantity: '数量', scanned: '已扫',
            scan: '扫描', confirm_repeat: '确认再计一件', issue: '发料',
            clear: '清除扫描', issued: '已发料：', none: '（无已批准的领料单）',
            offline: '网络中断：%s 条扫描待发送，将自动重试',
            signed_in: '已登录：', accepted: '已接受',
            refused: '已拒绝', duplicate: '重复（已计）',
            use_device_scans: '使用我的设备扫描',
            device_scans: '已加入 %s 条设备扫描',
        },
    };
    const DEFAULTS = {
        issued: 'Issued: ', none: '(no approved request)',
        offline: 'Offline: %s scans waiting, retrying',
        signed_in: 'Signed in: ', accepted: 'accepted', refused: 'refused',
        duplicate: 'duplicate (counted once)',
        device_scans: '%s device scans added',
    };
    const lang = (navigator.language || '').toLowerCase().startsWith('zh')
        ? 'zh' : 'en';
    const $ = (id) => document.getElementById(id);
    let session = null;
    let context = {};
    let rpcId = 0;
    let scans = [];
    let pending = [];
    let sending = false;
    let retryDelay = 1000;
    let retryTimer = null;
    let lastRefused = null;

    function t(key) {
        return (TEXTS[lang] || {})[key] || DEFAULTS[key] || key;
    }

    function translatePage() {
        document.querySelectorAll('[data-t]').forEach((element) => {
            const text = (TEXTS[lang] || {})[element.dataset.t];
            if (text) {
                element.textContent = text;
            }
        });
    }

    function storageKey(name) {
        return ['zt-pda', database, session ? session.login : '', name]
            .join(':');
    }

    function save() {
        localStorage.setItem(storageKey('pending'), JSON.stringify(pending));
        localStorage.setItem(storageKey('scans'), JSON.stringify(scans));
    }

    function load() {
        pending = JSON.parse(localStorage.getItem(storageKey('pending'))
            || '[]');
        scans = JSON.parse(localStorage.getItem(storageKey('scans')) || '[]');
    }

    function newKey() {
        const bytes = new Uint8Array(16);
        crypto.getRandomValues(bytes);
        return Array.from(bytes, (b) => b.toString(16).padStart(2, '0'))
            .join('');
    }

    class RpcError extends Error {
        constructor(kind, message, detail) {
            super(message);
            this.kind = kind;
            this.detail = detail;
        }
    }

    async function rpc(method, params) {
        const headers = {'Content-Type': 'application/json'};
        if (session) {
            const token = session.login + ':' + session.userId + ':'
                + session.key;
            headers.Authorization = 'Session ' + btoa(
                String.fromCharCode(...new TextEncoder().encode(token)));
        }
        let response;
        try {
            response = await fetch(rpcUrl, {
                method: 'POST', headers, credentials: 'same-origin',
                body: JSON.stringify({id: ++rpcId, method, params}),
            });
        } catch (error) {
            throw new RpcError('network', String(error));
        }
        if (response.status === 401 || response.status === 403) {
            throw new RpcError('auth', response.statusText);
        }
        if (!response.ok) {
            throw new RpcError('network', response.status + ' '
                + response.statusText);
        }
        const body = await response.json();
        if (body.error) {
            const [name, args] = body.error;
            const message = Array.isArray(args) ? (
                name === 'LoginException' ? args[1] : args[0]) : String(args);
            throw new RpcError(name, message, args);
        }
        return body.result;
    }

    function show(text, ok) {
        const message = $('message');
        message.textContent = text;
        message.className = ok ? 'ok' : 'error';
        message.dataset.state = ok ? 'ok' : 'error';
        if (!ok) {
            alarm();
        }
    }

    function alarm() {
        if (navigator.vibrate) {
            navigator.vibrate([200, 100, 200]);
        }
        try {
            const audio = new (window.AudioContext
                || window.webkitAudioContext)();
            const oscillator = audio.createOscillator();
            oscillator.frequency.value = 440;
            oscillator.connect(audio.destination);
            oscillator.start();
            oscillator.stop(audio.currentTime + 0.3);
        } catch (error) {
            // no sound on this device: the red message remains
        }
    }

    async function signIn(event) {
        event.preventDefault();
        const login = $('login-name').value;
        const parameters = {password: $('login-password').value};
        const extra = $('login-extra-label');
        if (!extra.hidden) {
            parameters[extra.dataset.name] = $('login-extra').value;
        }
        try {
            const result = await rpc('common.db.login',
                [login, parameters, lang === 'zh' ? 'zh_CN' : 'en']);
            session = {login, userId: result[0], key: result[1]};
        } catch (error) {
            if (error.kind === 'LoginException' && error.detail) {
                // the server asks for another factor (e.g. a TOTP code)
                extra.dataset.name = error.detail[0];
                $('login-extra-text').textContent = error.detail[1];
                extra.hidden = false;
                $('login-extra').focus();
                return;
            }
            show(error.message, false);
            return;
        }
        context = await rpc('model.res.user.get_preferences', [true, {}]);
        load();
        await loadWarehouses();
        $('login').hidden = true;
        $('work').hidden = false;
        $('who').textContent = t('signed_in') + login;
        render();
        flush();
        $('scan').focus();
    }

    async function loadWarehouses() {
        const warehouses = await rpc('model.stock.location.search_read', [
            [['type', '=', 'warehouse']], 0, null, [['name', 'ASC']],
            ['rec_name'], context]);
        const select = $('warehouse');
        select.replaceChildren(...warehouses.map((w) => {
            const option = document.createElement('option');
            option.value = w.id;
            option.textContent = w.rec_name;
            return option;
        }));
        await loadRequests();
    }

    async function loadRequests() {
        const warehouse = Number($('warehouse').value);
        const requests = await rpc('model.zt.issue.request.search_read', [
            [['state', '=', 'approved']], 0, 100, [['id', 'ASC']],
            ['rec_name', 'warehouse'], context]);
        const select = $('request');
        const options = requests.filter((r) => r.warehouse === warehouse)
            .map((r) => {
                const option = document.createElement('option');
                option.value = r.id;
                option.textContent = r.rec_name;
                return option;
            });
        if (!options.length) {
            const option = document.createElement('option');
            option.value = '';
            option.textContent = t('none');
            options.push(option);
        }
        select.replaceChildren(...options);
        await loadLines();
    }

    let lines = [];
    async function loadLines() {
        const request = Number($('request').value);
        const found = request ? await rpc(
            'model.zt.issue.request.line.search_read',
            [[['request', '=', request]], 0, null, [['id', 'ASC']],
                ['product.rec_name', 'quantity', 'unit.rec_name'], context])
            : [];
        // a late answer for a request no longer chosen is dropped
        if (Number($('request').value) === request) {
            lines = found;
            render();
        }
    }

    function render() {
        const counts = {};
        for (const scan of scans) {
            if (scan.outcome !== 'refused' && scan.product) {
                counts[scan.product] = (counts[scan.product] || 0) + 1;
            }
        }
        $('lines').tBodies[0].replaceChildren(...lines.map((line) => {
            const row = document.createElement('tr');
            const name = (line['product.'] || {}).rec_name || '';
            const done = (counts[name] || 0) === line.quantity;
            for (const text of [name, line.quantity + ' '
                    + ((line['unit.'] || {}).rec_name || ''),
                    String(counts[name] || 0)]) {
                const cell = document.createElement('td');
                cell.textContent = text;
                cell.className = done ? 'done' : '';
                row.appendChild(cell);
            }
            return row;
        }));
        $('scans').replaceChildren(
            ...pending.map((p) => item(p.raw, 'pending', '…')),
            ...scans.slice().reverse().map((s) => item(
                s.product || s.code || s.raw, s.outcome,
                t(s.outcome) + (s.message ? ': ' + s.message : ''),
                s.reason)));
        const waiting = $('pending');
        waiting.hidden = !pending.length || !sending;
        waiting.textContent = t('offline').replace('%s', pending.length);
        $('issue').disabled = !scans.some((s) => s.outcome === 'accepted')
            || !$('request').value;
    }

    function item(text, outcome, title, reason) {
        const li = document.createElement('li');
        li.className = outcome;
        li.dataset.outcome = outcome;
        li.dataset.reason = reason || '';
        li.textContent = text;
        li.title = title;
        return li;
    }

    function scan(event) {
        event.preventDefault();
        const input = $('scan');
        const raw = input.value.trim();
        input.value = '';
        if (!raw) {
            return;
        }
        enqueue(raw, false);
    }

    function enqueue(raw, confirm) {
        pending.push({
            key: newKey(), raw, confirm,
            warehouse: Number($('warehouse').value)});
        save();
        render();
        flush();
    }

    async function flush() {
        if (sending) {
            return;
        }
        sending = true;
        try {
            while (pending.length) {
                const next = pending[0];
                let answer;
                try {
                    answer = await rpc('model.zt.device.scan.submit_unsigned',
                        [next.warehouse, next.raw, next.key, next.confirm,
                            context]);
                } catch (error) {
                    if (error.kind === 'network') {
                        render();
                        retryTimer = setTimeout(retry, retryDelay);
                        retryDelay = Math.min(retryDelay * 2, 15000);
                        return;
                    }
                    pending.shift();
                    save();
                    show(error.message, false);
                    continue;
                }
                retryDelay = 1000;
                pending.shift();
                const outcome = answer.outcome === 'duplicate'
                    ? answer.first_outcome : answer.outcome;
                scans.push({
                    id: answer.scan, raw: next.raw, outcome,
                    reason: answer.reason, message: answer.message,
                    product: answer.product, code: answer.code});
                save();
                if (outcome === 'refused') {
                    lastRefused = answer.reason === 'debounce' ? next : null;
                    $('confirm').hidden = !lastRefused;
                    show(answer.message, false);
                } else {
                    $('confirm').hidden = true;
                    show((answer.product || answer.code || next.raw) + ' ✓',
                        true);
                }
            }
        } finally {
            if (!pending.length) {
                sending = false;
            }
            render();
        }
    }

    // Resend the waiting scans now (after a delay, or when the browser is
    // back online), each with its own idempotency key.
    function retry() {
        clearTimeout(retryTimer);
        retryTimer = null;
        sending = false;
        flush();
    }

    async function deviceScans() {
        // The accepted, unused scans that the keeper made with a registered
        // device in this warehouse (signed by the device, the keeper's
        // badge as operator): the server checks all of it again at issue.
        const found = await rpc('model.zt.device.scan.search_read', [
            [['warehouse', '=', Number($('warehouse').value)],
                ['signed', '=', true], ['outcome', '=', 'accepted'],
                ['record', '=', null],
                ['operator', '=', context.employee || -1]],
            0, 200, [['scanned_at', 'ASC']],
            ['code', 'product.rec_name', 'device.code'], context]);
        const known = new Set(scans.map((s) => s.id));
        let added = 0;
        for (const row of found) {
            if (!known.has(row.id)) {
                scans.push({
                    id: row.id, raw: row.code, outcome: 'accepted',
                    reason: null, message: (row['device.'] || {}).code || '',
                    product: (row['product.'] || {}).rec_name || null,
                    code: row.code, signed: true});
                added += 1;
            }
        }
        save();
        render();
        show(t('device_scans').replace('%s', added), true);
        $('scan').focus();
    }

    async function issue() {
        const request = Number($('request').value);
        const ids = scans.filter((s) => s.outcome === 'accepted')
            .map((s) => s.id);
        try {
            await rpc('model.zt.issue.request.issue_from_scans',
                [[request], ids, context]);
        } catch (error) {
            show(error.message, false);
            return;
        }
        const name = $('request').selectedOptions[0].textContent;
        scans = [];
        save();
        await loadRequests();
        show(t('issued') + name, true);
        $('scan').focus();
    }

    document.addEventListener('DOMContentLoaded', () => {
        translatePage();
        $('login').addEventListener('submit', signIn);
        $('scan-form').addEventListener('submit', scan);
        $('scan').addEventListener('keydown', (event) => {
            // a scanner whose suffix is TAB ends the scan, not the field
            if (event.key === 'Tab') {
                scan(event);
            }
        });
        $('warehouse').addEventListener('change', loadRequests);
        $('request').addEventListener('change', loadLines);
        $('confirm').addEventListener('click', () => {
            if (lastRefused) {
                enqueue(lastRefused.raw, true);
                lastRefused = null;
                $('confirm').hidden = true;
            }
            $('scan').focus();
        });
        $('issue').addEventListener('click', issue);
        $('device-scans').addEventListener('click', () => {
            deviceScans().catch((error) => show(error.message, false));
        });
        $('clear').addEventListener('click', () => {
            scans = [];
            save();
            render();
            $('scan').focus();
        });
        window.addEventListener('online', () => {
            retryDelay = 1000;
            if (retryTimer) {
                retry();
            } else {
                flush();
            }
        });
    });
}());
