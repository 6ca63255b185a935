// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 zt-inventory contributors
//
// Browser test of the PDA scan page of zt_devices (/<db>/zt_devices/pda) at
// a phone-sized viewport (run by run.sh after rules.spec.mjs, against the
// same server).  The page is plain HTML, not sao: the server is reached
// here over JSON-RPC from node (serverRpc) to prepare and check.
// Environment: see sao.mjs (BASE_URL, ZT_DB, ARTIFACT_DIR, ZT_BROWSER_STEPS).
// Steps (in this order): pda_targets (touch targets >= 44 px), pda_issue
// (keeper issues a request from scans), pda_offline (a scan made offline
// is resent with its idempotency key and counted once), pda_signed_only
// (keeper2's WH2 refuses typed scans), pda_device_scans (a registered
// device signs the keeper's scans, sent as the bridge does; the keeper
// issues from them on the page).
import { chromium } from 'playwright-core';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
    ARTIFACT_DIR, BASE_URL, CHROMIUM_ARGS, DB, TIMEOUT, StepFailure, check,
    log, screenshot, selectedSteps,
} from './sao.mjs';

const STEPS = selectedSteps(
    ['pda_targets', 'pda_issue', 'pda_offline', 'pda_signed_only',
        'pda_device_scans']);

const USERS = {
    keeper: 'Keeper-Demo-2026!',
    keeper2: 'Keeper2-Demo-2026!',
    staff: 'Staff-Demo-2026!',
    manager: 'Manager-Demo-2026!',
    auditor: 'Auditor-Demo-2026!',
    security: 'Security-Demo-2026!',
    bridge: 'Bridge-Demo-2026!',
};
// The keeper's badge: the operator of the device's scans.
const KEEPER_BADGE = 'BADGE-0004';
// The material the request asks for (FG-1001's BOM takes 2 per unit and no
// demo request uses it), its quantity and the requester's badge.
const MATERIAL = 'RM-1011';
const QUANTITY = 2;
const BADGE = 'BADGE-0001';
// An EAN-13 with a wrong check digit, and the valid one.
const BAD_EAN = '4006381333932';
const GOOD_EAN = '4006381333931';
// Apple's iPhone 12-15 viewport; the smallest target a finger hits
// reliably (Apple HIG: 44 pt).
const PHONE = { width: 390, height: 844 };
const MIN_TARGET = 44;
const PDA_URL = `${BASE_URL}/${encodeURIComponent(DB)}/zt_devices/pda`;

// --- JSON-RPC from node (trytond's protocol, as the page speaks it) -----

const sessions = {};
let rpcId = 0;

async function post(body, auth) {
    const headers = { 'Content-Type': 'application/json' };
    if (auth) {
        headers.Authorization = 'Session '
            + Buffer.from(auth).toString('base64');
    }
    const response = await fetch(`${BASE_URL}/${encodeURIComponent(DB)}/rpc/`,
        { method: 'POST', headers,
            body: JSON.stringify({ id: ++rpcId, ...body }) });
    check(response.ok, `${body.method}: HTTP ${response.status}`);
    const answer = await response.json();
    if (answer.error) {
        throw new StepFailure(`${body.method} refused: `
            + JSON.stringify(answer.error).slice(0, 400));
    }
    return answer.result;
}

// Call `method` with `params` as `login` (signed in once); the user's
// context (company, language) is appended, merged with `extra`.
async function serverRpc(login, method, params, extra = {}) {
    if (!sessions[login]) {
        const [id, key] = await post({ method: 'common.db.login',
            params: [login, { password: USERS[login] }, 'en'] });
        const auth = `${login}:${id}:${key}`;
        const context = await post({ method: 'model.res.user.get_preferences',
            params: [true, {}] }, auth);
        sessions[login] = { id, auth, context };
    }
    const { auth, context } = sessions[login];
    return post({ method, params: [...params, { ...context, ...extra }] },
        auth);
}

// Create, submit and approve a request of `QUANTITY` x MATERIAL for
// FG-1001's waiting production (staff requests, manager approves); return
// { id, number, warehouse, ean }.
async function approvedRequest() {
    const [production] = await serverRpc('staff',
        'model.production.search_read', [[['state', '=', 'waiting'],
            ['product.code', '=', 'FG-1001']], 0, 1, null, ['warehouse']]);
    check(production, 'no waiting production of FG-1001 in the demo');
    // The request's from location is the production's picking location
    // (production.picking_location, a property: read from the warehouse).
    const [warehouse] = await serverRpc('staff', 'model.stock.location.read',
        [[production.warehouse], ['production_picking_location',
            'storage_location']]);
    const { product, ean } = await material();
    const [id] = await serverRpc('staff', 'model.zt.issue.request.create',
        [[{ production: production.id,
            from_location: warehouse.production_picking_location
                || warehouse.storage_location,
            lines: [['create', [{ product: product.id, quantity: QUANTITY,
                unit: product.default_uom }]]] }]]);
    await serverRpc('staff', 'model.zt.issue.request.wait', [[id]]);
    const active = { active_model: 'zt.issue.request', active_id: id,
        active_ids: [id] };
    const wizard = 'wizard.zt.issue.request.decide';
    const [session] = await serverRpc('manager', `${wizard}.create`, []);
    await serverRpc('manager', `${wizard}.execute`,
        [session, {}, 'start'], active);
    await serverRpc('manager', `${wizard}.execute`,
        [session, { start: { comment: 'PDA browser test' } }, 'approve'],
        active);
    await serverRpc('manager', `${wizard}.delete`, [session]);
    const [request] = await serverRpc('staff', 'model.zt.issue.request.read',
        [[id], ['number', 'state', 'warehouse']]);
    check(request.state === 'approved',
        `request ${request.number} is ${request.state} after the approval`);
    log(`request ${request.number} (${MATERIAL} x ${QUANTITY}) approved`);
    return { id, number: request.number, warehouse: request.warehouse, ean };
}

// The product MATERIAL (id, default_uom) and its EAN-13, read by staff.
async function material() {
    const [product] = await serverRpc('staff',
        'model.product.product.search_read', [[['code', '=', MATERIAL]], 0, 1,
            null, ['default_uom', 'identifiers']]);
    check(product, `no product ${MATERIAL}`);
    const identifiers = await serverRpc('staff',
        'model.product.identifier.read', [product.identifiers,
            ['type', 'code']]);
    const ean = (identifiers.find((i) => i.type === 'ean') || {}).code;
    check(ean && ean.length === 13, `${MATERIAL} has no EAN-13: `
        + JSON.stringify(identifiers));
    return { product, ean };
}

async function warehouseId(code) {
    const [warehouse] = await serverRpc('auditor',
        'model.stock.location.search', [[['code', '=', code],
            ['type', '=', 'warehouse']], 0, 1, null]);
    check(warehouse, `no warehouse ${code}`);
    return warehouse;
}

// The number of recorded scans of `raw` (as typed), read by the auditor.
async function scanCount(raw) {
    return serverRpc('auditor', 'model.zt.device.scan.search_count',
        [[['raw', '=', raw]]]);
}

// --- the phone ------------------------------------------------------------

// A chromium context with a phone's viewport, touch and language; every
// navigator.vibrate call is also recorded in window.ztVibrations.
async function launchPhone() {
    mkdirSync(ARTIFACT_DIR, { recursive: true });
    const userDataDir = mkdtempSync(join(tmpdir(), 'zt-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: PHONE,
        screen: PHONE,
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        locale: 'zh-CN',
    });
    await context.addInitScript(() => {
        window.ztVibrations = [];
        const vibrate = navigator.vibrate
            ? navigator.vibrate.bind(navigator) : () => false;
        navigator.vibrate = (pattern) => {
            window.ztVibrations.push(pattern);
            return vibrate(pattern);
        };
    });
    return { context, userDataDir };
}

// Open the page in a new tab and sign in; return the page.
async function signIn(context, login) {
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (error) => console.error(
        `browser: page error: ${error.message}`));
    await page.goto(PDA_URL);
    await page.locator('#login-name').fill(login);
    await page.locator('#login-password').fill(USERS[login]);
    await page.locator('#login button[type=submit]').tap();
    try {
        await page.locator('#work').waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`${login} is not signed in on the PDA page: `
            + await page.locator('#message').innerText());
    }
    log(`${login} signed in on the PDA page`);
    return page;
}

// Choose warehouse `warehouse` (id), then request `request` (id) if given
// and wait for its line of MATERIAL.
async function choose(page, warehouse, request) {
    const requests = page.waitForResponse(rpcResponse(
        'model.zt.issue.request.search_read'));
    await page.locator('#warehouse').selectOption(String(warehouse));
    await requests;
    if (request) {
        await page.locator('#request').selectOption(String(request));
        await page.locator('#lines tbody tr', { hasText: MATERIAL }).waitFor();
    }
}

// A predicate of page.waitForResponse: the RPC call of `method`.
function rpcResponse(method) {
    return (response) => response.url().endsWith('/rpc/')
        && (response.request().postData() || '').includes(`"${method}"`);
}

// Type `raw` as a keyboard-wedge scanner does (the characters, then Enter)
// and return the server's answer to it (the first submit_unsigned answered
// after the scan).
async function scan(page, raw) {
    const answered = page.waitForResponse(
        rpcResponse('model.zt.device.scan.submit_unsigned'));
    await wedge(page, raw);
    return (await (await answered).json()).result;
}

async function wedge(page, raw) {
    await page.locator('#scan').fill(raw);
    await page.locator('#scan').press('Enter');
}

// The text of the message once it is in `state` ('ok' or 'error') and
// shows `text` (when given).
async function message(page, state, text) {
    const shown = page.locator(`#message[data-state="${state}"]`,
        text ? { hasText: text } : {});
    await shown.waitFor();
    return (await shown.innerText()).trim();
}

// Every button, input and select shown is at least MIN_TARGET px high and
// the page is no wider than the phone; return how many were measured.
async function checkTargets(page, where) {
    const targets = page.locator('button:visible, input:visible, '
        + 'select:visible');
    const count = await targets.count();
    check(count > 0, `no target on the ${where}`);
    for (let i = 0; i < count; i++) {
        const target = targets.nth(i);
        const box = await target.boundingBox();
        const name = await target.evaluate(
            (el) => `${el.tagName.toLowerCase()}#${el.id}`);
        check(box && box.height >= MIN_TARGET, `${name} on the ${where} is `
            + `${box && box.height} px high (at least ${MIN_TARGET})`);
    }
    const width = await page.evaluate(
        () => document.documentElement.scrollWidth);
    check(width <= PHONE.width, `the ${where} is ${width} px wide`);
    return count;
}

// --- steps ----------------------------------------------------------------

// Wait until navigator.vibrate was called more than `before` times.
async function vibrated(page, before, what) {
    try {
        await page.waitForFunction((n) => window.ztVibrations.length > n,
            before, { timeout: 5000 });
    } catch {
        throw new StepFailure(`navigator.vibrate was not called on ${what}`);
    }
}

async function stepTargets(context) {
    const page = await context.newPage();
    await page.goto(PDA_URL);
    await page.locator('#login-name').waitFor();
    check(!await page.locator('#work').isVisible(),
        'the scan page shows before sign-in');
    let count = await checkTargets(page, 'sign-in form');
    await screenshot(page, 'pda-login.png');
    await page.close();
    const work = await signIn(context, 'keeper');
    await choose(work, await warehouseId('WH'));
    check(!await work.locator('#login').isVisible(),
        'the sign-in form still shows after sign-in');
    // The confirm button shows after a repeated scan: show it to measure.
    await work.evaluate(() => {
        document.getElementById('confirm').hidden = false;
    });
    count += await checkTargets(work, 'scan page');
    await work.close();
    log(`${count} targets are at least ${MIN_TARGET} px high at `
        + `${PHONE.width}x${PHONE.height}`);
}

async function stepIssue(context) {
    const request = await approvedRequest();
    const page = await signIn(context, 'keeper');
    await choose(page, request.warehouse, request.id);

    // The same code twice at once: a scanner that repeats.  The second is
    // refused (debounce) until the keeper confirms a second item.  The
    // window is short (0.3 s): retry when the second read came too late.
    let first;
    let second;
    for (let attempt = 1; attempt <= 3; attempt++) {
        first = await scan(page, request.ean);
        check(first.outcome === 'accepted', `the first scan of ${request.ean}`
            + ` is ${first.outcome}: ${first.message}`);
        second = await scan(page, request.ean);
        if (second.reason === 'debounce' || attempt === 3) {
            break;
        }
        log(`the repeated scan came after the window (${second.outcome}); `
            + 'clear and scan again');
        await page.locator('#clear').tap();
    }
    check(second.outcome === 'refused' && second.reason === 'debounce',
        `the repeated scan answered ${JSON.stringify(second)}`);
    await vibrated(page, 0, 'the debounce refusal');
    const confirm = page.locator('#confirm');
    await confirm.waitFor();
    log(`repeated scan refused: ${await message(page, 'error')}`);
    const confirmed = page.waitForResponse(
        rpcResponse('model.zt.device.scan.submit_unsigned'));
    await confirm.tap();
    const third = (await (await confirmed).json()).result;
    check(third.outcome === 'accepted', 'the confirmed second item is '
        + `${third.outcome}: ${third.message}`);
    await confirm.waitFor({ state: 'hidden' });
    await page.locator('#lines td.done').first().waitFor();
    log(`${request.ean} counted twice (second one confirmed)`);

    // A bad check digit: refused, red, with a vibration.
    const before = await page.evaluate(() => window.ztVibrations.length);
    const bad = await scan(page, BAD_EAN);
    check(bad.outcome === 'refused' && bad.reason === 'check_digit',
        `${BAD_EAN} answered ${JSON.stringify(bad)}`);
    const refusal = await message(page, 'error');
    const color = await page.locator('#message').evaluate(
        (el) => getComputedStyle(el).color);
    check(color === 'rgb(138, 20, 16)', `the refusal is shown in ${color}`);
    await page.locator('#scans li[data-reason="check_digit"]').waitFor();
    await vibrated(page, before, 'the refusal');
    log(`${BAD_EAN} refused in red with a vibration: ${refusal}`);

    const badge = await scan(page, BADGE);
    check(badge.outcome === 'accepted', `badge ${BADGE} is ${badge.outcome}:`
        + ` ${badge.message}`);
    const issued = page.waitForResponse(
        rpcResponse('model.zt.issue.request.issue_from_scans'));
    await page.locator('#issue').tap();
    await issued;
    const done = await message(page, 'ok', request.number);
    const [state] = await serverRpc('staff', 'model.zt.issue.request.read',
        [[request.id], ['state']]);
    await screenshot(page, 'pda-issued.png');
    check(state.state === 'done', `${request.number} is ${state.state} after `
        + `the issue (page: ${done})`);
    log(`${request.number} issued from the PDA page: ${done}`);
    await page.close();
}

async function stepOffline(context) {
    const warehouse = await warehouseId('WH');
    const raw = (await material()).ean;
    const page = await signIn(context, 'keeper');
    await choose(page, warehouse);
    // The idempotency key of every attempt to send `raw`.
    const keys = [];
    page.on('request', (request) => {
        const body = request.postData() || '';
        if (body.includes('"model.zt.device.scan.submit_unsigned"')) {
            const params = JSON.parse(body).params;
            if (params[1] === raw) {
                keys.push(params[2]);
            }
        }
    });
    const count = await scanCount(raw);

    await context.setOffline(true);
    await wedge(page, raw);
    await page.locator('#scans li[data-outcome="pending"]').waitFor();
    await page.locator('#pending').waitFor();
    await screenshot(page, 'pda-offline-pending.png');
    check(await scanCount(raw) === count, 'a scan made offline was recorded');
    log(`offline: ${await page.locator('#pending').innerText()}`);

    // Back online, the first resend reaches the server but its answer is
    // lost (the connection drops): the page must resend the same key.
    let lost = false;
    await page.route('**/rpc/', async (route) => {
        const body = route.request().postData() || '';
        if (!lost && body.includes('"model.zt.device.scan.submit_unsigned"')) {
            lost = true;
            await route.fetch();
            await route.abort('connectionreset');
            return;
        }
        await route.continue();
    });
    await context.setOffline(false);
    await page.locator('#scans li[data-outcome="pending"]')
        .waitFor({ state: 'detached' });
    await page.locator('#pending').waitFor({ state: 'hidden' });
    const newest = await page.locator('#scans li').first()
        .getAttribute('data-outcome');
    check(newest === 'accepted', `the resent scan is shown ${newest}`);
    const recorded = await scanCount(raw);
    check(lost, 'no resend reached the server');
    check(new Set(keys).size === 1 && keys.length >= 2,
        `the resends used keys ${JSON.stringify(keys)} (one key expected)`);
    check(recorded === count + 1, `the server recorded ${recorded - count} `
        + `scans of ${raw} for one (${keys.length} attempts)`);
    log(`${raw}: ${keys.length} attempts with key ${keys[0]}, one scan `
        + 'recorded');
    await page.close();
}

async function stepSignedOnly(context) {
    const warehouse = await warehouseId('WH2');
    const page = await signIn(context, 'keeper2');
    await choose(page, warehouse);
    const answer = await scan(page, GOOD_EAN);
    check(answer.outcome === 'refused' && answer.reason === 'unsigned',
        `a typed scan in WH2 answered ${JSON.stringify(answer)}`);
    const shown = await message(page, 'error');
    check(shown.includes(answer.message.split('\n')[0]),
        `the page shows "${shown}" for "${answer.message}"`);
    await page.locator('#scans li[data-reason="unsigned"]').waitFor();
    await screenshot(page, 'pda-unsigned-refused.png');
    log(`WH2 refuses a typed scan: ${shown}`);
    await page.close();
}

// A device registered by the device administrator (security) in
// `warehouse`, enrolled by the bridge with a key made here; returns
// { code, key } (key: node's Ed25519 private KeyObject).
async function enrolledDevice(warehouse) {
    const code = `PDA-TEST-${Date.now()}`;
    const [device] = await serverRpc('security', 'model.zt.device.create',
        [[{ name: 'Browser test scanner', code, kind: 'scanner',
            warehouse }]]);
    const active = { active_model: 'zt.device', active_id: device,
        active_ids: [device] };
    const wizard = 'wizard.zt.device.enrolment';
    const [session] = await serverRpc('security', `${wizard}.create`, []);
    const shown = await serverRpc('security', `${wizard}.execute`,
        [session, {}, 'start'], active);
    await serverRpc('security', `${wizard}.delete`, [session]);
    const enrolment = shown.view.defaults.code;
    check(enrolment, `no enrolment code: ${JSON.stringify(shown)}`);
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const x = publicKey.export({ format: 'jwk' }).x;
    const publicB64 = Buffer.from(x, 'base64url').toString('base64');
    const enrolled = await serverRpc('bridge', 'model.zt.device.enrol',
        [enrolment, publicB64]);
    check(enrolled === code, `enrolled ${enrolled}, not ${code}`);
    log(`device ${code} registered by security and enrolled by the bridge`);
    return { code, key: privateKey };
}

// A signed scan event as the bridge sends it (signing.py's canonical
// bytes: "zt-scan-v1\n" + the sorted compact JSON of the signed fields).
function signedEvent(device, counter, raw, badge, time) {
    const fields = { badge, counter, device: device.code,
        raw: Buffer.from(raw).toString('base64'),
        time: time.toISOString().replace('Z', '000Z') };
    const message = Buffer.from('zt-scan-v1\n' + JSON.stringify(fields));
    return { ...fields,
        signature: sign(null, message, device.key).toString('base64') };
}

async function stepDeviceScans(context) {
    const request = await approvedRequest();
    const device = await enrolledDevice(request.warehouse);
    // The keeper scans the two items and the requester's badge with the
    // device, one second apart; the bridge sends the signed events.
    const start = Date.now() - 5000;
    const events = [request.ean, request.ean, BADGE].map((raw, i) =>
        signedEvent(device, i + 1, raw, KEEPER_BADGE,
            new Date(start + i * 1000)));
    const answers = await serverRpc('bridge',
        'model.zt.device.scan.submit_signed', [events]);
    check(answers.every((a) => a.outcome === 'accepted'),
        `the device's scans answered ${JSON.stringify(answers)}`);
    log(`${answers.length} signed scans of ${device.code} accepted`);
    const page = await signIn(context, 'keeper');
    await choose(page, request.warehouse, request.id);
    // The page keeps a keeper's scans across sign-ins (the offline step's
    // is still there): start from an empty list.
    await page.locator('#clear').tap();
    const found = page.waitForResponse(
        rpcResponse('model.zt.device.scan.search_read'));
    await page.locator('#device-scans').tap();
    await found;
    await message(page, 'ok');
    await page.locator('#lines td.done').first().waitFor();
    const issued = page.waitForResponse(
        rpcResponse('model.zt.issue.request.issue_from_scans'));
    await page.locator('#issue').tap();
    await issued;
    const done = await message(page, 'ok', request.number);
    const [state] = await serverRpc('staff', 'model.zt.issue.request.read',
        [[request.id], ['state']]);
    await screenshot(page, 'pda-device-scans-issued.png');
    check(state.state === 'done', `${request.number} is ${state.state} after `
        + `the issue from device scans (page: ${done})`);
    const used = await serverRpc('auditor', 'model.zt.device.scan.search_count',
        [[['device.code', '=', device.code], ['record', '!=', null]]]);
    check(used === 3, `${used} of the device's 3 scans are marked used`);
    log(`${request.number} issued from ${device.code}'s signed scans: ${done}`);
    await page.close();
}

// --- run ------------------------------------------------------------------

const { context, userDataDir } = await launchPhone();
let step = 'start';
try {
    for (const [name, body] of [['pda_targets', stepTargets],
        ['pda_issue', stepIssue], ['pda_offline', stepOffline],
        ['pda_signed_only', stepSignedOnly],
        ['pda_device_scans', stepDeviceScans]]) {
        if (STEPS.includes(name)) {
            step = name;
            await body(context);
        }
    }
    log('all steps passed');
} catch (error) {
    console.error(`browser: FAILED at step "${step}": ${error.message}`);
    const page = context.pages().at(-1);
    if (page) {
        await screenshot(page, `failure-${step}.png`).catch(() => {});
    }
    process.exitCode = 1;
} finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
}
