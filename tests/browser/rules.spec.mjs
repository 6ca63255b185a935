// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 zt-inventory contributors
//
// Browser test of zt_rules in the demo through sao (run by run.sh after
// keeper.spec.mjs, against the same server).
// Environment: see sao.mjs (BASE_URL, ZT_DB, ARTIFACT_DIR, ZT_BROWSER_STEPS).
// Steps (in this order): rule_threshold (as manager, zh_CN), alert_drilldown
// (as supervisor, zh_CN), keeper_no_rules (as keeper, zh_CN).
import {
    TIMEOUT, StepFailure, check, dialogText, log, login, logout, noModal, openList,
    rpc, rpcOutcome, runSpec, screenshot, selectedSteps, waitForForm,
    x2ManyCell, x2ManyWidget,
} from './sao.mjs';

const STEPS = selectedSteps(
    ['rule_threshold', 'alert_drilldown', 'keeper_no_rules']);

const USERS = {
    manager: 'Manager-Demo-2026!',
    supervisor: 'Supervisor-Demo-2026!',
    keeper: 'Keeper-Demo-2026!',
};

// The amount condition of the seed rule "Over limit" (amount > 5000), as the
// logged-in user reads it: { id, rule, value }.
async function amountCondition(page) {
    const conditions = await rpc(page, 'model.zt.rule.condition.search_read',
        [[['field', '=', 'amount'], ['operator', '=', '>']], 0, null, null,
            ['rule', 'value']]);
    check(conditions.length === 1, 'expected one condition "amount >", got '
        + JSON.stringify(conditions));
    return conditions[0];
}

// Type `value` into the value cell of the amount condition (editable list
// of the rule's form) and save; return the error dialog's text ('' when
// saved).
async function saveAmountValue(page, value) {
    // The first click selects the row, a click on the selected row edits
    // it (Sao.View.Tree.RowEditable.select_row); the rows are redrawn
    // after a reload, hence the cell is looked up at each try.
    let input;
    for (let i = 0; i < 5; i++) {
        const cell = await x2ManyCell(
            page, 'conditions', { field: 'amount' }, 'value');
        input = cell.locator('.widget-editable input:visible').first();
        if (await input.isVisible()) {
            break;
        }
        await cell.click({ timeout: 2000 }).catch(() => {});
        await input.waitFor({ timeout: 2000 }).catch(() => {});
    }
    await input.waitFor({ timeout: TIMEOUT });
    await input.fill(value);
    await input.press('Tab');
    await page.locator('.tab-pane.active button#save').click();
    const dialog = page.locator('.modal:visible .modal-body').first();
    // Saved (the record is no longer modified) or refused (a dialog).
    await page.waitForFunction(() => document.querySelector(
        '.modal.in .modal-body') || !Sao.Tab.tabs.get_current().screen
        .modified(), null, { timeout: TIMEOUT });
    if (await dialog.isVisible()) {
        return dialogText(page);
    }
    return '';
}

// The value the list shows for the amount condition (the rows are redrawn
// a few times after a reload: read it again until one holds).
async function amountShown(page) {
    for (let i = 0; ; i++) {
        const cell = await x2ManyCell(
            page, 'conditions', { field: 'amount' }, 'value');
        try {
            await cell.scrollIntoViewIfNeeded({ timeout: 2000 });
            return (await cell.innerText({ timeout: 2000 })).trim();
        } catch (error) {
            if (i >= 5) {
                throw error;
            }
        }
    }
}

async function storedValue(page, id) {
    const [condition] = await rpc(page, 'model.zt.rule.condition.read',
        [[id], ['value']]);
    return condition.value;
}

// Manager changes the threshold of "Over limit" in the rule's editable
// conditions list; a value the server cannot parse is refused and leaves
// the stored one.
async function stepRuleThreshold(page) {
    const condition = await amountCondition(page);
    check(condition.value === '5000',
        `the amount condition holds "${condition.value}" (expected 5000)`);
    const [rule] = await rpc(page, 'model.zt.rule.read',
        [[condition.rule], ['rec_name']]);
    const rows = await openList(page, 'zt.rule');
    const row = rows.filter({ hasText: rule.rec_name }).first();
    try {
        await row.waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`rule "${rule.rec_name}" is not in the list`);
    }
    await row.dblclick();
    await waitForForm(page, 'zt.rule', condition.rule);
    const conditions = await x2ManyWidget(page, 'conditions');
    await conditions.locator('tbody tr:visible').nth(1)
        .waitFor({ timeout: TIMEOUT });

    let error = await saveAmountValue(page, '4000');
    check(!error, `saving 4000 was refused: ${error}`);
    let stored = await storedValue(page, condition.id);
    let shown = await amountShown(page);
    await screenshot(page, 'manager-rule-threshold-4000.png');
    check(stored === '4000', `the server holds "${stored}" (expected 4000)`);
    check(shown === '4000', `after the save the list shows "${shown}"`);
    log(`rule "${rule.rec_name}": amount > 4000 saved`);

    error = await saveAmountValue(page, '5,000');
    await screenshot(page, 'manager-rule-threshold-error.png');
    check(error, 'the value 5,000 was saved without an error');
    check(error.includes('5,000') && /not a number|不是数字/.test(error),
        `the error does not say that 5,000 is not a number: ${error}`);
    log(`5,000 refused: ${error.split('\n')[0]}`);
    const ok = page.locator('.modal:visible button.btn-primary').first();
    await ok.click();
    await ok.waitFor({ state: 'hidden', timeout: TIMEOUT });
    // Reload/Undo; sao asks whether to save the modified record: No
    // (Sao.common.Sur3BDialog: Cancel is a link, No the default button).
    await page.locator('.tab-pane.active button#reload').click();
    const no = page.locator('.modal:visible button.btn-default').first();
    await no.click();
    await page.waitForFunction(() => !Sao.Tab.tabs.get_current().screen
        .modified(), null, { timeout: TIMEOUT });
    await noModal(page);
    shown = await amountShown(page);
    stored = await storedValue(page, condition.id);
    await screenshot(page, 'manager-rule-threshold-reloaded.png');
    check(stored === '4000', `after the refusal the server holds "${stored}" `
        + '(expected 4000)');
    check(shown === '4000', `after the reload the list shows "${shown}"`);
    log('after the refusal and a reload the value is still 4000');

    error = await saveAmountValue(page, '5000');
    check(!error, `saving 5000 was refused: ${error}`);
    stored = await storedValue(page, condition.id);
    check(stored === '5000', `the server holds "${stored}" (expected 5000)`);
    log('amount > 5000 restored');
}

// Supervisor opens the open alert of "Frequent movement", one of its moves
// (flagged abnormal) and acknowledges the alert.
async function stepAlertDrilldown(page) {
    const alerts = await rpc(page, 'model.zt.alert.search_read',
        [[['state', '=', 'open']], 0, null, null,
            ['rec_name', 'records', 'rule']]);
    const records = await rpc(page, 'model.zt.alert.record.read',
        [alerts.flatMap((a) => a.records), ['alert', 'record']]);
    const moves = (alert) => records.filter((r) => r.alert === alert.id
        && (r.record || '').startsWith('stock.move,'))
        .map((r) => Number(r.record.split(',')[1]));
    const alert = alerts.find((a) => moves(a).length === 4
        && a.rec_name.includes('RM-1004'));
    check(alert, 'supervisor sees no open alert with 4 moves of RM-1004: '
        + JSON.stringify(alerts.map((a) => a.rec_name)));
    const alertMoves = moves(alert);

    const rows = await openList(page, 'zt.alert');
    const row = rows.filter({ hasText: 'RM-1004' }).first();
    try {
        await row.waitFor({ timeout: TIMEOUT });
    } catch {
        throw new StepFailure(`the alert "${alert.rec_name}" is not listed`);
    }
    await screenshot(page, 'supervisor-alerts.png');
    await row.dblclick();
    await waitForForm(page, 'zt.alert', alert.id);
    const list = await x2ManyWidget(page, 'records');
    const recordRows = list.locator('tbody tr:visible');
    await recordRows.nth(3).waitFor({ timeout: TIMEOUT });
    const count = await recordRows.count();
    await screenshot(page, 'supervisor-alert-records.png');
    check(count === 4, `the alert shows ${count} record(s) (expected 4)`);
    log(`alert "${alert.rec_name}" shows 4 records`);

    // The Reference column is a link that opens the record in a new tab.
    await page.evaluate(() => {
        Sao.Tab.tabs.get_current().ztAlert = true;
    });
    await recordRows.first().locator('td a:visible').first().click();
    const moveId = await waitForForm(page, 'stock.move');
    const abnormalBox = page.locator(
        '.tab-pane.active .form input[name="zt_abnormal"]').first();
    await abnormalBox.waitFor({ state: 'attached', timeout: TIMEOUT });
    const shown = await abnormalBox.isChecked();
    await screenshot(page, 'supervisor-alert-move.png');
    check(alertMoves.includes(moveId),
        `the form opened move ${moveId}, not one of ${alertMoves}`);
    const [move] = await rpc(page, 'model.stock.move.read',
        [[moveId], ['zt_abnormal']]);
    check(move.zt_abnormal === true, `move ${moveId} is not abnormal`);
    check(shown, `the form of move ${moveId} does not show it abnormal`);
    log(`opened stock move ${moveId} from the alert: abnormal`);

    // Back to the alert (close the move's tab) and acknowledge it.
    await page.locator('#tablist li.active button.close').click();
    await page.waitForFunction(() => Sao.Tab.tabs.get_current()
        && Sao.Tab.tabs.get_current().ztAlert, null, { timeout: TIMEOUT });
    const acknowledge = page.locator(
        '.tab-pane.active .form button[name="acknowledge"]');
    await acknowledge.click();
    await acknowledge.waitFor({ state: 'hidden', timeout: TIMEOUT });
    await noModal(page);
    const [after] = await rpc(page, 'model.zt.alert.read',
        [[alert.id], ['state']]);
    await screenshot(page, 'supervisor-alert-acknowledged.png');
    check(after.state === 'acknowledged',
        `the alert is ${after.state} (expected acknowledged)`);
    log('alert acknowledged');
}

// Keeper may not read rules: the server refuses zt.rule with an access
// error naming the model.
async function stepKeeperNoRules(page) {
    const outcome = await rpcOutcome(page, 'model.zt.rule.search', [[]]);
    const names = await rpc(page, 'model.ir.model.get_names', []);
    const [type, [message] = []] = outcome.error || [];
    check(type === 'UserError' && message.includes(`"${names['zt.rule']}"`),
        `zt.rule.search as keeper: ${JSON.stringify(outcome)}`);
    log(`zt.rule refused to keeper: ${message}`);
}

await runSpec(async (page, setStep) => {
    if (STEPS.includes('rule_threshold')) {
        setStep('login manager');
        await login(page, 'manager', USERS.manager);
        setStep('rule_threshold');
        await stepRuleThreshold(page);
        setStep('logout manager');
        await logout(page);
    }
    if (STEPS.includes('alert_drilldown')) {
        setStep('login supervisor');
        await login(page, 'supervisor', USERS.supervisor);
        setStep('alert_drilldown');
        await stepAlertDrilldown(page);
        setStep('logout supervisor');
        await logout(page);
    }
    if (STEPS.includes('keeper_no_rules')) {
        setStep('login keeper');
        await login(page, 'keeper', USERS.keeper);
        setStep('keeper_no_rules');
        await stepKeeperNoRules(page);
        setStep('logout keeper');
        await logout(page);
    }
});
