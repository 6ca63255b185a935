// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 zt-inventory contributors
//
// Helpers shared by the browser specs (keeper.spec.mjs, rules.spec.mjs):
// configuration from the environment, the chromium context, login/logout and
// the sao widgets the specs drive.  Selectors avoid labels where they can:
// the demo users may work in zh_CN.
// Environment: BASE_URL (http://127.0.0.1:PORT), ZT_DB (database name),
// ARTIFACT_DIR (screenshots), ZT_BROWSER_STEPS (optional comma list of steps).
//
// Debian's chromium is driven by playwright-core; no browser is downloaded.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE_URL = process.env.BASE_URL || 'http://127.0.0.1:8000';
export const DB = process.env.ZT_DB || 'zt_browser';
export const ARTIFACT_DIR = process.env.ARTIFACT_DIR || 'artifacts';
export const TIMEOUT = 30000;

// Flags verified on these machines (docs: stack.md).
export const CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
];

// The steps to run: those of ZT_BROWSER_STEPS (a list shared by every
// spec: each runs the ones it knows), else all of `defaults`.
export function selectedSteps(defaults) {
    const steps = process.env.ZT_BROWSER_STEPS;
    if (!steps) {
        return defaults;
    }
    const selected = defaults.filter((s) => steps.split(',').includes(s));
    log(`ZT_BROWSER_STEPS: ${selected.join(', ') || 'no step'} of this spec`);
    return selected;
}

export function log(message) {
    console.log(`browser: ${message}`);
}

export class StepFailure extends Error {}

export function check(condition, message) {
    if (!condition) {
        throw new StepFailure(message);
    }
}

export async function screenshot(page, name) {
    const path = join(ARTIFACT_DIR, name);
    await page.screenshot({ path, fullPage: true });
    log(`screenshot ${path}`);
}

// A persistent chromium context in a temporary profile; returns
// { context, page, userDataDir } for close().
export async function launch() {
    mkdirSync(ARTIFACT_DIR, { recursive: true });
    const userDataDir = mkdtempSync(join(tmpdir(), 'zt-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1366, height: 900 },
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    // A JavaScript error in sao (e.g. a view it cannot render) explains
    // most "did not show" failures: print it.
    page.on('pageerror', (error) => console.error(`browser: sao error: ${error.message}`));
    return { context, page, userDataDir };
}

export async function close(browser) {
    await browser.context.close();
    rmSync(browser.userDataDir, { recursive: true, force: true });
}

// Run `body(page, setStep)` in a fresh browser: setStep(name) names the step
// a failure is reported at (with a screenshot failure-<step>.png); a failure
// sets the exit code to 1.
export async function runSpec(body, firstStep = 'start') {
    const browser = await launch();
    const { page } = browser;
    let step = firstStep;
    try {
        await body(page, (name) => { step = name; });
        log('all steps passed');
    } catch (error) {
        console.error(`browser: FAILED at step "${step}": ${error.message}`);
        await screenshot(page, `failure-${step.replace(/\W+/g, '-')}.png`)
            .catch(() => {});
        process.exitCode = 1;
    } finally {
        await close(browser);
    }
}

// Login as described in stack.md ("sao login").
export async function login(page, user, password) {
    await page.goto(`${BASE_URL}/#${DB}`);
    await page.locator('#login').fill(user, { timeout: TIMEOUT });
    await page.locator('.modal button[type=submit]').click();
    const input = page.locator('#ask-dialog-entry[type=password]');
    await input.fill(password);
    // Both the login and the password dialogs have a .btn-primary.
    await page.locator('.modal', { has: input })
        .locator('button.btn-primary').click();
    await input.waitFor({ state: 'hidden', timeout: TIMEOUT });
    await dismissConfigurationWizards(page);
    log(`logged in as ${user}`);
}

// On a fresh database sao runs the pending configuration wizards ("Module
// Configuration", ...) for admin before it shows the menu: cancel them.  The
// user menu is filled once the preferences are loaded.
export async function dismissConfigurationWizards(page) {
    const userMenu = page.locator('#user-preferences a.dropdown-toggle');
    // The wizards open as a tab.  Demo users may work in zh_CN, hence both
    // labels.
    const cancel = page.locator('.tab-pane.active button:visible',
        { hasText: /^\s*(Cancel|取消)\s*$/ });
    const deadline = Date.now() + TIMEOUT;
    while (Date.now() < deadline) {
        if (await userMenu.isVisible()) {
            return;
        }
        if (await cancel.count() > 0) {
            const title = await page.locator('.tab-pane.active')
                .first().innerText().catch(() => '');
            await cancel.first().click();
            log(`cancelled wizard: ${title.split('\n')[0]}`);
        }
        await page.waitForTimeout(250);
    }
    throw new StepFailure('the menu did not appear after login');
}

// The user menu's last item is "Logout" (Sao.NotificationMenu); selectors
// avoid labels because the demo users may work in zh_CN.
export async function logout(page) {
    // sao rebuilds the user menu when its notifications arrive: a click on
    // an item that is being replaced does nothing, so try again.
    for (let attempt = 1; ; attempt++) {
        await page.locator('#user-preferences a.dropdown-toggle').click();
        await page.waitForTimeout(300);
        await page.locator(
            '#user-preferences li.notification-item a[role=menuitem]')
            .last().click();
        // sao asks before closing the open tabs (Sao.common.sur: OK is
        // primary).
        const confirm = page.locator('.modal-dialog:visible button.btn-primary');
        try {
            await confirm.waitFor({ timeout: 3000 });
            await confirm.click();
        } catch {
            // no tab was open
        }
        try {
            await page.locator('#login').waitFor(
                { timeout: attempt < 3 ? 10000 : TIMEOUT });
            break;
        } catch (error) {
            if (attempt >= 3) {
                throw error;
            }
            log(`logout: no sign-in form yet, again (${attempt})`);
        }
    }
    log('logged out');
}

// The URL fragment that opens a model's list, optionally restricted by a
// domain (sao reads `;domain=<JSON>`, see Sao.open_url).
export function modelUrl(model, domain) {
    let url = `#${DB}/model/${model}`;
    if (domain) {
        url += `;domain=${encodeURIComponent(JSON.stringify(domain))}`;
    }
    return url;
}

// Open a model in a new tab through the URL fragment (same as a menu
// entry) and wait until that tab is the current one: until then the active
// pane is still the previous tab's.
export async function openTab(page, model, domain) {
    await page.evaluate((url) => {
        for (const tab of Sao.Tab.tabs) {
            tab.ztPrevious = true;
        }
        window.location.hash = url;
    }, modelUrl(model, domain));
    try {
        await page.waitForFunction((m) => {
            const tab = Sao.Tab.tabs.get_current();
            return tab && !tab.ztPrevious && tab.screen
                && tab.screen.model_name === m;
        }, model, { timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`no tab of ${model} opened`);
    }
}

// Open a model's list in a new tab; return its rows (at least one).
export async function openList(page, model, domain) {
    await openTab(page, model, domain);
    const rows = page.locator('.tab-pane.active .treeview tbody tr:visible');
    try {
        await rows.first().waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`the list of ${model} did not show any row`);
    }
    return rows;
}

// Call a model method over sao's session, as the logged-in user (the same
// RPC the client makes; the user's context is appended).
export async function rpc(page, method, params) {
    return page.evaluate(async ([m, p]) => {
        const session = Sao.Session.current_session;
        return Sao.rpc({ method: m, params: p.concat([session.context]) },
            session);
    }, [method, params]);
}

// Same as rpc() without sao's error dialog: return { result } or, when the
// server refuses, { error } (e.g. ['UserError', [message, description,
// domain]]).
export async function rpcOutcome(page, method, params) {
    return page.evaluate(async ([m, p]) => {
        const session = Sao.Session.current_session;
        try {
            const result = await Sao.rpc(
                { method: m, params: p.concat([session.context]) },
                session, true, false);
            return { result };
        } catch (error) {
            return { error: error === undefined ? null : error };
        }
    }, [method, params]);
}

// The text of the dialogs sao shows (errors, warnings), '' when none.
export async function dialogText(page) {
    const bodies = page.locator('.modal:visible .modal-body');
    const texts = await bodies.allInnerTexts().catch(() => []);
    return texts.map((t) => t.trim()).filter(Boolean).join(' | ');
}

// Wait until no dialog (nor its fading backdrop) covers the page.
export async function noModal(page) {
    await page.waitForFunction(
        () => !document.querySelector('.modal.in, .modal-backdrop'),
        null, { timeout: TIMEOUT });
}

// Locate the (shown) input of field `name` in the active tab's form.
export function formInput(page, name) {
    return page.locator(`.tab-pane.active .form input[name="${name}"]:visible`)
        .first();
}

// sao marks a read-only field with the readonly property (and disabled when
// there is no record), see Sao.View.Form.Integer.set_readonly.
export async function isReadonly(input) {
    return input.evaluate((el) => el.readOnly);
}

// Pick a record in the search dialog of Many2One field `name` (opened by its
// search icon), preferring the row that contains `prefer`; return the text
// of the row picked.
export async function pickInSearch(page, name, prefer) {
    const widget = '.tab-pane.active .form-many2one'
        + `:has(input[name="${name}"])`;
    await page.locator(`${widget} .icon-secondary button`).first().click();
    const rows = page.locator('.modal:visible .treeview tbody tr:visible');
    try {
        await rows.first().waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`the search of ${name} showed no record`);
    }
    let row = rows.filter({ hasText: prefer }).first();
    if (await row.count() === 0) {
        row = rows.first();
    }
    const text = (await row.innerText()).replace(/\s+/g, ' ').trim();
    await row.dblclick();
    await page.locator('.modal:visible .treeview').waitFor(
        { state: 'hidden', timeout: TIMEOUT });
    return text;
}

// Fill a field and leave it with Tab so that sao runs its on_change.
export async function fillField(input, value) {
    await input.click();
    await input.fill(value);
    await input.press('Tab');
}

// Type `text` into a Many2One input and leave it: sao sets the record
// found, or opens its search dialog (then pick the row showing `text`).
export async function fillMany2One(page, input, text) {
    await fillField(input, text);
    const rows = page.locator('.modal:visible .treeview tbody tr:visible');
    const deadline = Date.now() + TIMEOUT;
    while (Date.now() < deadline) {
        if (await rows.count() > 0) {
            await rows.filter({ hasText: text }).first().dblclick();
            await page.locator('.modal:visible .treeview').waitFor(
                { state: 'hidden', timeout: TIMEOUT });
        } else if ((await input.inputValue()).includes(text)) {
            return;
        }
        await page.waitForTimeout(200);
    }
    throw new StepFailure(`could not set "${text}" in ${
        await input.getAttribute('name')}`);
}

// Wait until the current tab shows a form of `model` with its record (the
// record `id` when given) displayed; return the record's id.
export async function waitForForm(page, model, id) {
    try {
        const handle = await page.waitForFunction(([m, i]) => {
            const tab = Sao.Tab.tabs.get_current();
            const screen = tab && tab.screen;
            const record = screen && screen.current_record;
            return screen && screen.model_name === m && screen.current_view
                && screen.current_view.view_type === 'form' && record
                && record.id > 0 && (i === null || record.id === i)
                && Object.keys(record._loaded).length > 0 && record.id;
        }, [model, id ?? null], { timeout: TIMEOUT });
        return handle.jsonValue();
    } catch {
        throw new StepFailure(`no form of ${model}${id ? ` ${id}` : ''} `
            + 'is shown');
    }
}

// Locate the widget of the x2many field `field` in the current tab's form
// (marked data-zt-field, sao gives it no name).
export async function x2ManyWidget(page, field) {
    const found = await page.evaluate((f) => {
        const view = Sao.Tab.tabs.get_current().screen.current_view;
        const widget = (view.widgets[f] || [])[0];
        if (!widget) {
            return false;
        }
        widget.el.attr('data-zt-field', f);
        return true;
    }, field);
    check(found, `the form has no field ${field}`);
    return page.locator(`.tab-pane.active [data-zt-field="${field}"]`);
}

// Locate the cell of column `column` in the row of the x2many list `field`
// (current tab's form) whose record has the values of `match` (e.g.
// { field: 'amount' }): marked data-zt-cell, found without labels.
export async function x2ManyCell(page, field, match, column) {
    // The rows are drawn (and their records read) after the form is shown,
    // and again after a reload: wait for the row.
    const found = await page.waitForFunction(([f, values, c]) => {
        const view = Sao.Tab.tabs.get_current().screen.current_view;
        const widget = ((view && view.widgets) ? view.widgets[f] || [] : [])[0];
        const tree = widget && widget.screen.current_view;
        if (!tree || !tree.rows) {
            return false;
        }
        const index = tree.columns.findIndex(
            (col) => col.attributes.name === c);
        const row = tree.rows.find((r) => r.el[0].isConnected
            && Object.entries(values).every(([name, value]) =>
                r.record.is_loaded(name)
                && r.record.field_get(name) === value));
        if (index < 0 || !row) {
            return false;
        }
        document.querySelectorAll('[data-zt-cell]').forEach(
            (el) => el.removeAttribute('data-zt-cell'));
        row._get_column_td(index).attr('data-zt-cell', c);
        return true;
    }, [field, match, column], { timeout: TIMEOUT }).catch(() => false);
    check(found, `no row ${JSON.stringify(match)} with a column ${column} `
        + `in ${field}`);
    return page.locator(`.tab-pane.active td[data-zt-cell="${column}"]`);
}
