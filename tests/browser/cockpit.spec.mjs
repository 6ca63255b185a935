// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 zt-inventory contributors
//
// Browser test of the inventory cockpit in the demo through sao (run by
// run.sh after the other specs, against the same server).
// Environment: see sao.mjs (BASE_URL, ZT_DB, ARTIFACT_DIR, ZT_BROWSER_STEPS).
// Steps: cockpit_drilldown (as manager, zh_CN): the Manager Cockpit opens at
// login; a click on a slice of the inventory age chart (a pie: sao 8.0.11
// cannot open the records of a bar on a non-date axis) opens the rows of
// that bucket; a row shows its receipts (stock moves); a move opens its origin
// document (the supplier shipment), whose form shows its number.
import {
    TIMEOUT, StepFailure, check, log, login, logout, noModal, rpc, runSpec,
    screenshot, selectedSteps, waitForForm, x2ManyWidget,
} from './sao.mjs';

const STEPS = selectedSteps(['cockpit_drilldown']);

const MANAGER = ['manager', 'Manager-Demo-2026!'];
const AGE_MODEL = 'zt.cockpit.age';

// The ir.action.act_window of xml id `fsId` of zt_inventory as the user
// reads it (name in the user's language): { id, name, res_model }.
async function actWindow(page, fsId) {
    const id = await rpc(page, 'model.ir.model.data.get_id',
        ['zt_inventory', fsId]);
    const [action] = await rpc(page, 'model.ir.action.act_window.read',
        [[id], ['name', 'res_model']]);
    return action;
}

// Wait until the current tab is the board of `name` with every action's
// screen loaded; return the res_model of each action, in order.
async function waitForBoard(page, name) {
    try {
        const handle = await page.waitForFunction((n) => {
            const tab = Sao.Tab.tabs.get_current();
            const board = tab && tab.board;
            if (!board || tab.name_long !== n || !board.actions.length
                    || board.actions.some((a) => !a.screen
                        || !a.screen.current_view)) {
                return false;
            }
            return board.actions.map((a) => a.screen.model_name);
        }, name, { timeout: TIMEOUT });
        return handle.jsonValue();
    } catch {
        throw new StepFailure(`the board "${name}" is not the current tab`);
    }
}

// In the current board, wait for the slices of the chart of `model` (drawn
// once its records are read); mark the chart data-zt-chart; return its
// buckets: { label: [ids] } as sao's graph keeps them.
async function chartSlices(page, model) {
    try {
        const handle = await page.waitForFunction((m) => {
            const tab = Sao.Tab.tabs.get_current();
            const action = tab.board.actions.find(
                (a) => a.screen.model_name === m);
            const view = action && action.screen.current_view;
            const chart = view && view.view_type === 'graph'
                && view.widgets.root;
            const group = action && action.screen.group;
            // drawn once every record's bucket is read (sao may draw
            // before: its ids then also hold a key "null")
            if (!chart || !chart.ids || !group.length
                    || !group.every((r) => r.is_loaded('bucket')
                        && (chart.ids[r.field_get_client('bucket')] || [])
                            .includes(r.id))
                    || !action.el.find('path.bb-arc').length) {
                return false;
            }
            action.el.attr('data-zt-chart', m);
            const labels = new Set(
                group.map((r) => r.field_get_client('bucket')));
            return Object.fromEntries(Object.entries(chart.ids)
                .filter(([label]) => labels.has(label)));
        }, model, { timeout: TIMEOUT });
        return handle.jsonValue();
    } catch {
        throw new StepFailure(`the board shows no chart of ${model}`);
    }
}

// Click the slice of `label` in the pie marked by chartSlices() with a
// real mouse click (billboard takes it on the slice's path): at 60 % of
// the radius on the slice's middle angle (d3: 0 at 12 o'clock, clockwise).
async function clickSlice(page, model, label) {
    const chart = page.locator(`[data-zt-chart="${model}"]`);
    await chart.locator('.bb-chart-arcs').scrollIntoViewIfNeeded();
    const point = await chart.evaluate((el, l) => {
        // sao names the slices by their index; the legend shows the label
        const item = [...el.querySelectorAll('.bb-legend-item')].find(
            (i) => i.textContent.trim() === l);
        const id = item && item.__data__;
        const g = el.querySelector('.bb-chart-arcs');
        const arc = [...g.querySelectorAll('path.bb-arc')].find(
            (p) => p.__data__ && String(p.__data__.data.id) === String(id));
        if (!arc) {
            return null;
        }
        const box = g.getBoundingClientRect();
        const { startAngle, endAngle } = arc.__data__;
        const angle = (startAngle + endAngle) / 2;
        const radius = 0.6 * Math.min(box.width, box.height) / 2;
        return [box.x + box.width / 2 + radius * Math.sin(angle),
            box.y + box.height / 2 - radius * Math.cos(angle)];
    }, label);
    check(point, `the chart of ${model} has no slice "${label}"`);
    await page.mouse.click(...point);
}

// The manager lands on the Manager Cockpit, clicks the slice of a bucket of
// the age chart, opens a row of that bucket, one of its receipts and the
// receipt's shipment.
async function stepCockpitDrilldown(page) {
    const board = await actWindow(page, 'act_dashboard_manager');
    const models = await waitForBoard(page, board.name);
    const locale = await page.evaluate(() => Sao.i18n.getLocale());
    check(/^zh[-_]CN$/.test(locale), `the manager's sao speaks ${locale}`);
    // The board and its panels are titled in the user's language: the
    // names the server gives in zh_CN (the lead's translations).
    const titles = await page.locator(
        '.tab-pane.active .board-action .panel-heading').allInnerTexts();
    const ageChart = await actWindow(page, 'act_cockpit_board_age_graph');
    check(titles.map((t) => t.trim()).includes(ageChart.name),
        `the board's panels ${JSON.stringify(titles)} miss "${
            ageChart.name}"`);
    for (const model of ['zt.cockpit.turnover.period', AGE_MODEL,
        'zt.cockpit.safety', 'zt.cockpit.flow']) {
        check(models.includes(model), `the board lacks ${model}: ${models}`);
    }
    const buckets = await chartSlices(page, AGE_MODEL);
    await screenshot(page, 'cockpit-dashboard.png');
    log(`Manager Cockpit "${board.name}" shows ${models.join(', ')}; `
        + `age buckets ${Object.keys(buckets).join(', ')}`);

    // A click on the slice of the bucket opens its rows (keyword
    // graph_open) in a new tab.
    const labels = Object.keys(buckets);
    const label = labels.includes('0-30') ? '0-30' : labels[0];
    await page.evaluate(() => {
        for (const tab of Sao.Tab.tabs) {
            tab.ztPrevious = true;
        }
    });
    await clickSlice(page, AGE_MODEL, label);
    let rows;
    try {
        const handle = await page.waitForFunction((m) => {
            const tab = Sao.Tab.tabs.get_current();
            const screen = tab && !tab.ztPrevious && tab.screen;
            if (!screen || screen.model_name !== m || !screen.current_view
                    || screen.current_view.view_type !== 'tree'
                    || !screen.group.length
                    || !screen.group.every((r) => r.is_loaded('bucket'))) {
                return false;
            }
            return screen.group.map((r) => [r.id, r.field_get('bucket')]);
        }, AGE_MODEL, { timeout: TIMEOUT });
        rows = await handle.jsonValue();
    } catch {
        throw new StepFailure(`the click on the slice "${label}" opened no `
            + `list of ${AGE_MODEL}`);
    }
    await page.locator('.tab-pane.active .treeview tbody tr:visible').first()
        .waitFor({ timeout: TIMEOUT });
    await screenshot(page, 'cockpit-age-bar.png');
    const expected = [...buckets[label]].sort((a, b) => a - b);
    const shown = rows.map(([id]) => id).sort((a, b) => a - b);
    check(rows.every(([, bucket]) => bucket === label),
        `the slice "${label}" opened rows of other buckets: `
        + JSON.stringify(rows));
    check(JSON.stringify(shown) === JSON.stringify(expected),
        `the slice "${label}" opened rows ${shown}, the chart had `
        + `${expected}`);
    log(`slice "${label}" opened its ${rows.length} row(s)`);

    // A row of the bucket with a receipt that has a shipment.
    const ages = await rpc(page, `model.${AGE_MODEL}.read`,
        [shown, ['moves', 'product']]);
    const moveIds = ages.flatMap((a) => a.moves);
    const moves = moveIds.length ? await rpc(page, 'model.stock.move.read',
        [moveIds, ['shipment']]) : [];
    const move = moves.find((m) => m.shipment);
    check(move, `no receipt with a shipment behind the slice "${label}"`);
    const age = ages.find((a) => a.moves.includes(move.id));
    const rowIndex = rows.findIndex(([id]) => id === age.id);
    await page.locator('.tab-pane.active .treeview tbody tr:visible')
        .nth(rowIndex).dblclick();
    await waitForForm(page, AGE_MODEL, age.id);
    const moveList = await x2ManyWidget(page, 'moves');
    const moveRow = moveList.locator('tbody tr:visible')
        .nth(age.moves.indexOf(move.id));
    await moveRow.waitFor({ timeout: TIMEOUT });
    log(`row ${age.id} lists ${age.moves.length} receipt(s)`);

    // The move opens in a dialog; its shipment field opens the shipment.
    await moveRow.dblclick();
    const moveDialog = page.locator('.modal:visible', {
        has: page.locator('input[name="effective_date"]'),
    }).last();
    await moveDialog.waitFor({ timeout: TIMEOUT });
    const [model, shipmentId] = move.shipment.split(',');
    // trytond hides a Reference field from a user who may not read every
    // model of its selection (ir.model.access check_relation).
    const form = await rpc(page, 'model.stock.move.fields_view_get',
        [null, 'form']);
    check(!form.arch.includes('hidden shipment'), 'the form of stock.move '
        + 'hides its field shipment from this user: read access is missing '
        + 'on a model of its selection (e.g. stock.shipment.in.return, '
        + 'stock.shipment.out.return)');
    const shipmentWidget = moveDialog.locator(
        '.form-reference:has(input[name="shipment"])').first();
    // The primary icon of a set reference opens the record
    // (Sao.View.Form.Many2One: "Open the record").
    const open = shipmentWidget.locator('.icon-primary button');
    try {
        await open.waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure('the move shows no button to open its shipment');
    }
    await open.click();
    const [shipment] = await rpc(page, `model.${model}.read`,
        [[Number(shipmentId)], ['number', 'rec_name']]);
    const number = page.locator('.modal:visible input[name="number"]').last();
    try {
        await page.waitForFunction(([n]) => [...document.querySelectorAll(
            '.modal input[name="number"]')].some((i) => i.value === n),
            [shipment.number], { timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`the form of ${model} ${shipment.number} `
            + 'is not shown');
    }
    await screenshot(page, 'cockpit-origin.png');
    check(await number.inputValue() === shipment.number,
        `the origin form shows "${await number.inputValue()}"`);
    log(`move ${move.id} opened its origin ${model} ${shipment.number}`);

    // Close the dialogs (shipment, move), last first: their only primary
    // button is Close (the records are read-only for the manager).
    for (let i = 0; i < 5; i++) {
        const dialogs = page.locator('.modal.in:visible');
        if (await dialogs.count() === 0) {
            break;
        }
        await dialogs.last().locator('.modal-footer button.btn-primary')
            .last().click();
        await page.waitForTimeout(300);
    }
    await noModal(page);
}

await runSpec(async (page, setStep) => {
    if (STEPS.includes('cockpit_drilldown')) {
        setStep('login manager');
        await login(page, ...MANAGER);
        setStep('cockpit_drilldown');
        await stepCockpitDrilldown(page);
        setStep('logout manager');
        await logout(page);
    }
});
