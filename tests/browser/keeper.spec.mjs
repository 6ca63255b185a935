// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 zt-inventory contributors
//
// Browser test of the demo through the sao web client (run by run.sh).
// Environment: BASE_URL (http://127.0.0.1:PORT), ZT_DB (database name),
// ARTIFACT_DIR (screenshots), ZT_BROWSER_STEPS (optional comma list of steps).
//
// Debian's chromium is driven by playwright-core; no browser is downloaded.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE_URL = process.env.BASE_URL || 'http://127.0.0.1:8000';
const DB = process.env.ZT_DB || 'zt_browser';
const ARTIFACT_DIR = process.env.ARTIFACT_DIR || 'artifacts';
const STEPS = (process.env.ZT_BROWSER_STEPS
    || 'issue_requests,keeper_product,admin_product').split(',');
const TIMEOUT = 30000;

const USERS = {
    keeper: 'Keeper-Demo-2026!',
    admin: 'Admin-Demo-2026!',
};
// Flags verified on these machines (docs: stack.md).
const CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
];

function log(message) {
    console.log(`browser: ${message}`);
}

class StepFailure extends Error {}

function check(condition, message) {
    if (!condition) {
        throw new StepFailure(message);
    }
}

async function screenshot(page, name) {
    const path = join(ARTIFACT_DIR, name);
    await page.screenshot({ path, fullPage: true });
    log(`screenshot ${path}`);
}

// Login as described in stack.md ("sao login").
async function login(page, user) {
    await page.goto(`${BASE_URL}/#${DB}`);
    await page.locator('#login').fill(user, { timeout: TIMEOUT });
    await page.locator('.modal button[type=submit]').click();
    const password = page.locator('#ask-dialog-entry[type=password]');
    await password.fill(USERS[user]);
    // Both the login and the password dialogs have a .btn-primary.
    await page.locator('.modal', { has: password })
        .locator('button.btn-primary').click();
    await password.waitFor({ state: 'hidden', timeout: TIMEOUT });
    await dismissConfigurationWizards(page);
    log(`logged in as ${user}`);
}

// On a fresh database sao runs the pending configuration wizards ("Module
// Configuration", ...) for admin before it shows the menu: cancel them.  The
// user menu is filled once the preferences are loaded.
async function dismissConfigurationWizards(page) {
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
async function logout(page) {
    await page.locator('#user-preferences a.dropdown-toggle').click();
    await page.locator('#user-preferences li.notification-item a[role=menuitem]')
        .last().click();
    // sao asks before closing the open tabs (Sao.common.sur: OK is primary).
    const confirm = page.locator('.modal-dialog:visible button.btn-primary');
    try {
        await confirm.waitFor({ timeout: 3000 });
        await confirm.click();
    } catch {
        // no tab was open
    }
    await page.locator('#login').waitFor({ timeout: TIMEOUT });
    log('logged out');
}

// Open a model's list through the URL fragment (same as a menu entry).
async function openList(page, model) {
    await page.evaluate(([db, m]) => {
        window.location.hash = `#${db}/model/${m}`;
    }, [DB, model]);
    const rows = page.locator('.tab-pane.active .treeview tbody tr:visible');
    try {
        await rows.first().waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`the list of ${model} did not show any row`);
    }
    return rows;
}

async function stepIssueRequests(page) {
    const rows = await openList(page, 'zt.issue.request');
    const irRow = rows.filter({ hasText: /IR\d+/ });
    const count = await irRow.count();
    check(count > 0, 'no issue request (IR…) row is visible in the list');
    log(`Issue Requests list shows ${count} IR row(s)`);
    await screenshot(page, 'keeper-issue-requests.png');
}

// Open product ZT-NOMOVE in its form and return the cost_price input that the
// user sees.  Numeric widgets render two inputs with name="cost_price": a text
// one (shown) and a number one (shown only while editing).
async function openProductCostPrice(page) {
    const rows = await openList(page, 'product.product');
    const row = rows.filter({ hasText: 'ZT-NOMOVE' }).first();
    try {
        await row.waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure('product ZT-NOMOVE is not in the product list');
    }
    await row.dblclick();
    const input = page.locator(
        '.tab-pane.active .form-numeric input[name="cost_price"]:visible, '
        + '.tab-pane.active .form-float input[name="cost_price"]:visible').first();
    try {
        await input.waitFor({ timeout: TIMEOUT });
        // The widget is disabled until the record is displayed; only then
        // does its readonly property mean something.
        await page.waitForFunction(
            (el) => !el.disabled && Array.from(
                document.querySelectorAll('input')).some(
                (i) => i.value.includes('ZT-NOMOVE')),
            await input.elementHandle(), { timeout: TIMEOUT });
    } catch (error) {
        throw new StepFailure('the product form of ZT-NOMOVE with its cost_price '
            + `field did not show (${error.message.split('\n')[0]})`);
    }
    return input;
}

// sao marks a read-only field with the readonly property (and disabled when
// there is no record), see Sao.View.Form.Integer.set_readonly.
async function isReadonly(input) {
    return input.evaluate((el) => el.readOnly);
}

async function stepKeeperProduct(page) {
    const input = await openProductCostPrice(page);
    const readonly = await isReadonly(input);
    await screenshot(page, 'keeper-product-cost-price.png');
    check(readonly, 'keeper can edit cost_price of ZT-NOMOVE (expected read-only)');
    log('cost_price is read-only for keeper');
}

async function stepAdminProduct(page) {
    const input = await openProductCostPrice(page);
    const readonly = await isReadonly(input);
    await screenshot(page, 'admin-product-cost-price.png');
    check(!readonly, 'admin cannot edit cost_price of ZT-NOMOVE (expected editable)');
    log('cost_price is editable for admin');
}

async function main() {
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
    let step = 'login keeper';
    try {
        if (STEPS.includes('issue_requests') || STEPS.includes('keeper_product')) {
            await login(page, 'keeper');
            if (STEPS.includes('issue_requests')) {
                step = 'issue_requests';
                await stepIssueRequests(page);
            }
            if (STEPS.includes('keeper_product')) {
                step = 'keeper_product';
                await stepKeeperProduct(page);
            }
            step = 'logout keeper';
            await logout(page);
        }
        if (STEPS.includes('admin_product')) {
            step = 'login admin';
            await login(page, 'admin');
            step = 'admin_product';
            await stepAdminProduct(page);
        }
        log('all steps passed');
    } catch (error) {
        console.error(`browser: FAILED at step "${step}": ${error.message}`);
        await screenshot(page, `failure-${step.replace(/\W+/g, '-')}.png`)
            .catch(() => {});
        process.exitCode = 1;
    } finally {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
    }
}

await main();
