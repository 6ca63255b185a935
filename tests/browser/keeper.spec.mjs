// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 zt-inventory contributors
//
// Browser test of the demo through the sao web client (run by run.sh).
// Environment: see sao.mjs (BASE_URL, ZT_DB, ARTIFACT_DIR, ZT_BROWSER_STEPS).
// Steps (in this order): issue_requests, keeper_product, keeper_move_price
// (as keeper, zh_CN), admin_product (as admin), sales_request (as sales, en).
import {
    TIMEOUT, StepFailure, check, dialogText, fillField, fillMany2One,
    formInput, isReadonly, log, login, logout, openList, openTab, pickInSearch,
    rpc, runSpec, screenshot, selectedSteps,
} from './sao.mjs';

const STEPS = selectedSteps(['issue_requests', 'keeper_product',
    'keeper_move_price', 'admin_product', 'sales_request']);

const USERS = {
    keeper: 'Keeper-Demo-2026!',
    admin: 'Admin-Demo-2026!',
    sales: 'Sales-Demo-2026!',
};

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

// Open the first stock move of `domain` in its form and wait until the
// record is displayed (its product shown); return the unit_price input.
async function openMoveForm(page, domain, what) {
    const rows = await openList(page, 'stock.move', domain);
    await rows.first().dblclick();
    // Numeric fields render as .form-float here (see openProductCostPrice).
    const price = formInput(page, 'unit_price');
    try {
        await price.waitFor({ timeout: TIMEOUT });
        await page.waitForFunction(
            (el) => !el.disabled && Array.from(document.querySelectorAll(
                '.tab-pane.active .form input[name="product"]'))
                .some((i) => i.value.trim() !== ''),
            await price.elementHandle(), { timeout: TIMEOUT });
    } catch (error) {
        throw new StepFailure(`the form of ${what} with its unit_price did `
            + `not show (${error.message.split('\n')[0]})`);
    }
    return price;
}

// The keeper may read but not change a move's unit price (field access on
// stock.move unit_price).  A receipt move is done, hence read-only anyway;
// a draft move that carries a price (a production output) shows that the
// price alone is read-only while the quantity stays editable.
async function stepKeeperMovePrice(page) {
    // The incoming move of a supplier shipment (supplier -> input zone):
    // the one that carries the purchase price.
    const receipt = [['shipment', 'like', 'stock.shipment.in,%'],
        ['from_location.type', '=', 'supplier']];
    let price = await openMoveForm(page, receipt, 'a receipt move');
    const receiptReadonly = await isReadonly(price);
    await screenshot(page, 'keeper-move-unit-price.png');
    check(receiptReadonly,
        'keeper can edit unit_price of a receipt move (expected read-only)');
    log('unit_price of a receipt move is read-only for keeper');

    const draft = [['state', '=', 'draft'],
        ['from_location.type', '=', 'production']];
    const drafts = await rpc(page, 'model.stock.move.search_count', [draft]);
    if (!drafts) {
        log('no draft move with a unit price: skipped the editable check');
        return;
    }
    price = await openMoveForm(page, draft, 'a draft production output move');
    const quantity = formInput(page, 'quantity');
    const priceReadonly = await isReadonly(price);
    const quantityReadonly = await isReadonly(quantity);
    await screenshot(page, 'keeper-draft-move-unit-price.png');
    check(priceReadonly,
        'keeper can edit unit_price of a draft move (expected read-only)');
    check(!quantityReadonly,
        'keeper cannot edit quantity of a draft move (expected editable: '
        + 'only the price is read-only)');
    log('unit_price of a draft move is read-only, its quantity editable');
}

// Expand every entry of the menu tree (#menu): click each expander once,
// level after level, until no new one appears.  Entries are told apart by
// their path (labels repeat: Parties/Categories, Products/Categories).
// Return the labels of the entries shown.
async function expandMenu(page) {
    // The menu is filled after login, once its records are read.
    await page.locator('#menu tbody tr').first().waitFor({ timeout: TIMEOUT });
    const rows = page.locator('#menu tbody tr:visible');
    // [path, has a visible expander] of each row shown, the depth read from
    // the expander's indent (Sao.View.Tree.Row.redraw).
    const listRows = () => rows.evaluateAll((trs) => {
        const stack = [];
        return trs.map((tr) => {
            const label = tr.innerText.trim();
            const expander = tr.querySelector('span.expander');
            const img = expander && expander.querySelector('img');
            const depth = img ? parseFloat(img.style.marginLeft) || 0 : 0;
            stack.length = depth;
            stack.push(label);
            return [stack.join(' / '), !!expander
                && getComputedStyle(expander).visibility === 'visible'];
        });
    });
    const clicked = new Set();
    for (let pass = 0; pass < 8; pass++) {
        let expanded = 0;
        const shown = await listRows();
        const before = shown.length;
        // Bottom-up, so that expanding a row does not move the next ones.
        for (let i = shown.length - 1; i >= 0; i--) {
            const [path, expandable] = shown[i];
            if (!expandable || clicked.has(path)) {
                continue;
            }
            clicked.add(path);
            await rows.nth(i).locator('span.expander').click();
            expanded++;
        }
        if (!expanded) {
            break;
        }
        // Children are read from the server: wait until the rows stop
        // growing.
        let count = before;
        for (let stable = 0, i = 0; stable < 3 && i < 50; i++) {
            await page.waitForTimeout(100);
            const now = await rows.count();
            stable = now > before && now === count ? stable + 1 : 0;
            count = now;
        }
    }
    return (await rows.allInnerTexts()).map((t) => t.trim());
}

// The sales assistant has no access to stock.inventory: no menu entry of
// theirs opens it (the server hides such entries), the model's list fails
// with an access error, and yet they can create an issue request.
async function stepSalesNoCountMenu(page) {
    // Every menu entry the user may see, with the model its window opens.
    const menus = await rpc(page, 'model.ir.ui.menu.search_read',
        [[], 0, null, null, ['complete_name', 'action']]);
    const windows = menus.map((m) => m.action || '')
        .filter((a) => a.startsWith('ir.action.act_window,'))
        .map((a) => Number(a.split(',')[1])).filter((id) => id > 0);
    const actions = await rpc(page, 'model.ir.action.act_window.read',
        [windows, ['res_model']]);
    const counting = new Set(actions
        .filter((a) => a.res_model === 'stock.inventory').map((a) => a.id));
    const entries = menus.filter((m) => counting.has(
        Number((m.action || ',').split(',')[1])));
    check(entries.length === 0, 'menu entries of sales open stock.inventory: '
        + entries.map((m) => m.complete_name).join(', '));
    log(`${menus.length} menu entries, none opens stock.inventory`);

    // The menu as shown, fully expanded: no "Inventories" entry (Tryton's
    // label of the counts menu in en and zh_CN).
    const labels = await expandMenu(page);
    check(labels.length > menus.length / 2,
        `the menu shows ${labels.length} of ${menus.length} entries`);
    const shown = labels.filter((l) => /^(Inventories|库存盘点)$/.test(l));
    check(shown.length === 0, 'the menu of sales shows a counts entry');

    // Opening the counts list directly is refused by the server.
    await openTab(page, 'stock.inventory');
    const dialog = page.locator('.modal:visible .modal-body').first();
    try {
        await dialog.waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure('stock.inventory opened for sales without an '
            + 'access error');
    }
    const message = await dialogText(page);
    await screenshot(page, 'sales-no-count-menu.png');
    const rows = await page.locator(
        '.tab-pane.active .treeview tbody tr:visible').count();
    check(rows === 0, `sales sees ${rows} row(s) of stock.inventory`);
    log(`stock.inventory refused: ${message.split('\n')[0]}`);
    await page.locator('.modal:visible button.btn-primary').first().click();
    await dialog.waitFor({ state: 'hidden', timeout: TIMEOUT });
}

async function stepSalesRequest(page) {
    await openTab(page, 'zt.issue.request');
    const newButton = page.locator('.tab-pane.active button#new_');
    await newButton.waitFor({ timeout: TIMEOUT });
    await page.locator('.tab-pane.active .treeview').first()
        .waitFor({ timeout: TIMEOUT });
    await newButton.click();

    // A production order: the one of FG-2001 (its BOM takes RM-2001).
    const production = formInput(page, 'production');
    await production.waitFor({ timeout: TIMEOUT });
    const picked = await pickInSearch(page, 'production', 'FG-2001');
    const material = picked.includes('FG-1001') ? 'RM-1001' : 'RM-2001';
    await page.waitForFunction(
        (el) => el.value.trim() !== '', await production.elementHandle(),
        { timeout: TIMEOUT });
    log(`production ${await production.inputValue()} (${picked})`);

    // The from location follows the production (its picking location).
    const from = formInput(page, 'from_location');
    try {
        await page.waitForFunction((el) => el.value.trim() !== '',
            await from.elementHandle(), { timeout: 5000 });
    } catch {
        await pickInSearch(page, 'from_location', 'STO');
    }
    log(`from location ${await from.inputValue()}`);

    // One line: the material, quantity 1 (the lines list is editable).
    const lines = page.locator('.tab-pane.active .form-one2many:visible')
        .first();
    const newLabel = await page.evaluate(() => Sao.i18n.gettext('New'));
    await lines.locator(`button[aria-label="${newLabel}"]`).click();
    const product = lines.locator('input[name="product"]:visible').first();
    await product.waitFor({ timeout: TIMEOUT });
    await fillMany2One(page, product, material);
    const quantity = lines.locator('input[name="quantity"]:visible').first();
    await fillField(quantity, '1');

    await page.locator('.tab-pane.active button#save').click();
    const number = formInput(page, 'number');
    try {
        await page.waitForFunction((el) => /\S/.test(el.value),
            await number.elementHandle(), { timeout: TIMEOUT });
    } catch {
        const message = await dialogText(page);
        await screenshot(page, 'sales-request-created.png');
        throw new StepFailure('the issue request of sales was not saved'
            + (message ? `: ${message}` : ''));
    }
    const saved = await number.inputValue();
    const url = await page.evaluate(() => window.location.hash);
    // After the save sao may show the lines only on demand ("More").
    await lines.locator('tbody tr:visible', { hasText: material }).first()
        .waitFor({ timeout: 5000 }).catch(() => {});
    await screenshot(page, 'sales-request-created.png');
    check(/^IR\d+/.test(saved), `the saved request is numbered "${saved}"`);
    check(/zt\.issue\.request\/\d+/.test(url),
        `the saved request has no id in the URL ${url}`);
    // What the server stored, read back as sales.
    const [request] = await rpc(page, 'model.zt.issue.request.search_read',
        [[['number', '=', saved]], 0, 1, null, ['state', 'lines']]);
    check(request && request.state === 'draft' && request.lines.length === 1,
        `request ${saved} is not a draft with one line: `
        + JSON.stringify(request));
    log(`sales created issue request ${saved} (draft, ${material} x 1)`);
}

await runSpec(async (page, setStep) => {
    if (['issue_requests', 'keeper_product', 'keeper_move_price']
        .some((s) => STEPS.includes(s))) {
        await login(page, 'keeper', USERS.keeper);
        if (STEPS.includes('issue_requests')) {
            setStep('issue_requests');
            await stepIssueRequests(page);
        }
        if (STEPS.includes('keeper_product')) {
            setStep('keeper_product');
            await stepKeeperProduct(page);
        }
        if (STEPS.includes('keeper_move_price')) {
            setStep('keeper_move_price');
            await stepKeeperMovePrice(page);
        }
        setStep('logout keeper');
        await logout(page);
    }
    if (STEPS.includes('admin_product')) {
        setStep('login admin');
        await login(page, 'admin', USERS.admin);
        setStep('admin_product');
        await stepAdminProduct(page);
        setStep('logout admin');
        await logout(page);
    }
    if (STEPS.includes('sales_request')) {
        setStep('login sales');
        await login(page, 'sales', USERS.sales);
        setStep('sales_request (no count menu)');
        await stepSalesNoCountMenu(page);
        setStep('sales_request (create)');
        await stepSalesRequest(page);
    }
}, 'login keeper');
