# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.modules.zt_inventory.exceptions import BOMExceededError
from trytond.modules.zt_inventory.tests.tools import acting, savepoint
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..exceptions import BOMExcessReasonError, RuleValidationError
from .tools import RulesWorld, seed_rule


class ZtRulesTestCase(ModuleTestCase):
    "Test zt_rules module"
    module = 'zt_rules'
    extras = ['zt_inventory']

    def world(self, **kwargs):
        return RulesWorld.build(**kwargs)

    def alerts(self, rule):
        Alert = Pool().get('zt.alert')
        return Alert.search([('rule', '=', rule.id)])

    # --- seed rules ---------------------------------------------------

    @with_transaction()
    def test_seed_rules(self):
        "The four seed rules and the bill-of-materials rule are data"
        Rule = Pool().get('zt.rule')
        rules = Rule.search([])
        self.assertEqual(
            [(r.trigger, [c.rec_name for c in r.conditions],
                    [a.type for a in r.actions]) for r in rules], [
                ('issue_request.submitted', ['amount > 5000',
                        'abc_class = A'], ['approval']),
                ('issue_request.submitted', ['excess_lines > 0'],
                    ['approval']),
                ('daily', ['shortage > 0'], ['purchase_request', 'notify']),
                ('stock_move.done', [rules[3].conditions[0].rec_name],
                    ['flag', 'notify']),
                ('daily', [rules[4].conditions[0].rec_name, 'quantity > 0'],
                    ['classify', 'report']),
                ])
        self.assertEqual(rules[3].conditions[0].window,
            dt.timedelta(hours=24))
        self.assertEqual(rules[4].conditions[0].window,
            dt.timedelta(days=180))

    # --- over limit -----------------------------------------------------

    @with_transaction()
    def test_over_limit_same_behaviour(self):
        "The over-limit rule decides the finance step as the threshold did"
        w = self.world()
        small = w.submit(w.create_request([(w.mat_b, 3)]))
        self.assertEqual(small.approval_levels, ('manager',))
        class_a = w.submit(w.create_request([(w.mat_a, 1)]))
        self.assertEqual(class_a.approval_levels, ('manager', 'finance'))

    @with_transaction()
    def test_over_limit_edges(self):
        "5,000 exactly needs the manager only; 5,000.01 the director too"
        w = self.world()
        rule = seed_rule('rule_over_limit')
        amount, _ = rule.conditions
        request = w.create_request([(w.mat_c, 50)])   # 50 x 100 = 5,000
        self.assertEqual(request.required_levels(), ('manager',))
        amount.value = '4999.99'
        amount.save()
        self.assertEqual(
            request.required_levels(), ('manager', 'finance'))

    @with_transaction()
    def test_edit_threshold_without_restart(self):
        "A manager edits the threshold: the next request follows it"
        pool = Pool()
        Condition = pool.get('zt.rule.condition')
        w = self.world()
        request = w.submit(w.create_request([(w.mat_b, 3)]))   # 30
        self.assertEqual(request.approval_levels, ('manager',))
        amount, _ = seed_rule('rule_over_limit').conditions
        with acting(w.rule_admin):
            Condition.write([Condition(amount.id)], {'value': '20'})
        request = w.submit(w.create_request([(w.mat_b, 3)]))
        self.assertEqual(request.approval_levels, ('manager', 'finance'))

    @with_transaction()
    def test_rule_levels_in_ledger(self):
        "Submitting records which rule added which step, with its figures"
        Entry = Pool().get('zt.ledger.entry')
        w = self.world()
        request = w.submit(w.create_request([(w.mat_a, 1)]))
        entry, = Entry.search([('event', '=', 'zt.issue.request.rules'),
                ('model', '=', 'zt.issue.request'),
                ('record', '=', request.id)])
        payload = json.loads(entry.payload)
        self.assertEqual(payload['levels'], ['manager', 'finance'])
        rule, = payload['rules']
        self.assertEqual(rule['level'], 'finance')
        self.assertEqual([f['result'] for f in rule['figures']],
            [False, True])

    @with_transaction()
    def test_rule_change_in_ledger(self):
        "A changed threshold is in the ledger: who, when, the new rule"
        pool = Pool()
        Condition = pool.get('zt.rule.condition')
        Entry = pool.get('zt.ledger.entry')
        w = self.world()
        rule = seed_rule('rule_over_limit')
        amount, _ = rule.conditions
        with acting(w.rule_admin):
            Condition.write([Condition(amount.id)], {'value': '20'})
        entry, = Entry.search([('model', '=', 'zt.rule'),
                ('record', '=', rule.id)])
        self.assertEqual(entry.event, 'zt.rule.write')
        self.assertEqual(entry.user, w.rule_admin)
        payload = json.loads(entry.payload)
        self.assertEqual(payload['conditions'][0]['value'], '20')
        self.assertEqual(payload['actions'][0]['approval_level'], 'finance')

    @with_transaction()
    def test_cli_rules(self):
        "ztinv rules runs the pending events and the scheduled rules"
        import io
        from ..cli import run
        pool = Pool()
        Event = pool.get('zt.rule.event')
        self.world()
        out = io.StringIO()
        self.assertEqual(run(out=out), 0)
        self.assertEqual(Event.search([('state', '=', 'pending')]), [])
        self.assertIn('pending event(s) processed', out.getvalue())
        self.assertIn('Dead stock', out.getvalue())
        out = io.StringIO()
        self.assertEqual(run('No such rule', out=out), 1)
        self.assertIn('no active rule', out.getvalue())

    @with_transaction()
    def test_rules_listed(self):
        "The rule manager and the department manager list the seed rules"
        Rule = Pool().get('zt.rule')
        w = self.world()
        for user in [w.rule_admin, w.manager]:
            with acting(user):
                self.assertEqual(len(Rule.search([])), 5)

    @with_transaction()
    def test_only_rule_admin_edits_rules(self):
        "A department manager reads the rules but may not change them"
        pool = Pool()
        Condition = pool.get('zt.rule.condition')
        w = self.world()
        amount, _ = seed_rule('rule_over_limit').conditions
        with acting(w.manager):
            self.assertEqual(Condition(amount.id).value, '5000')
            with self.assertRaises(UserError), savepoint():
                Condition.write([Condition(amount.id)], {'value': '1'})
        self.assertEqual(Condition(amount.id).value, '5000')

    @with_transaction()
    def test_levels_kept_after_rule_change(self):
        "A rule lowered after submission does not lower a waiting request"
        pool = Pool()
        Condition = pool.get('zt.rule.condition')
        Rule = pool.get('zt.rule')
        w = self.world()
        request = w.submit(w.create_request([(w.mat_a, 1)]))   # class A
        self.assertEqual(request.approval_levels, ('manager', 'finance'))
        amount, klass = seed_rule('rule_over_limit').conditions
        with acting(w.rule_admin):
            Condition.write([Condition(klass.id)], {'value': 'B'})
        request = w.decide(request, w.manager)
        self.assertEqual(request.state, 'waiting')   # finance still needed
        # deactivating the rule does not help either
        Rule.write([seed_rule('rule_over_limit')], {'active': False})
        self.assertEqual(
            Pool().get('zt.issue.request')(request.id).approval_levels,
            ('manager', 'finance'))
        # a new request follows the rule as it is now
        new = w.submit(w.create_request([(w.mat_a, 1)]))
        self.assertEqual(new.approval_levels, ('manager',))

    @with_transaction()
    def test_levels_not_written_from_outside(self):
        "The levels the rules required are not written over RPC"
        from trytond.modules.zt_inventory.exceptions import (
            WorkflowFieldError)
        Request = Pool().get('zt.issue.request')
        w = self.world()
        request = w.submit(w.create_request([(w.mat_a, 1)]))
        with acting(w.requester):
            with self.assertRaises(WorkflowFieldError), savepoint():
                Request.write([Request(request.id)], {'zt_rule_levels': []})
        self.assertEqual(Request(request.id).zt_rule_levels, ('finance',))

    @with_transaction()
    def test_excess_reason_frozen(self):
        "The reason beyond the BOM does not change after submission"
        from ..exceptions import ExcessReasonStateError
        pool = Pool()
        Line = pool.get('zt.issue.request.line')
        w = self.world()
        request = w.create_request([(w.mat_b, 101)])
        Line.write(list(request.lines), {'excess_reason': "Scrap"})
        request = w.submit(request)
        with acting(w.requester):
            with self.assertRaises(ExcessReasonStateError), savepoint():
                Line.write([Line(request.lines[0].id)],
                    {'excess_reason': None})
        # nor by a new line carrying a reason
        with acting(w.requester):
            with self.assertRaises(ExcessReasonStateError), savepoint():
                Line.create([{'request': request.id, 'product': w.mat_c.id,
                            'quantity': 1, 'unit': w.unit.id,
                            'excess_reason': "Another"}])
        self.assertEqual(Line(request.lines[0].id).excess_reason, "Scrap")

    @with_transaction()
    def test_line_change_checks_bom(self):
        "A submitted line raised beyond the BOM needs a reason too"
        pool = Pool()
        Line = pool.get('zt.issue.request.line')
        w = self.world()
        request = w.submit(w.create_request([(w.mat_b, 50)]))
        with acting(w.requester):
            with self.assertRaises(BOMExcessReasonError), savepoint():
                Line.write([Line(request.lines[0].id)], {'quantity': 500})
        self.assertEqual(Line(request.lines[0].id).quantity, 50)

    # --- validation -----------------------------------------------------

    @with_transaction()
    def test_closed_list_of_values(self):
        "A class that does not exist ('a') is refused: it would never match"
        Condition = Pool().get('zt.rule.condition')
        self.world()
        _, klass = seed_rule('rule_over_limit').conditions
        with self.assertRaises(RuleValidationError) as cm, savepoint():
            Condition.write([klass], {'value': 'a'})
        self.assertIn('A, B, C', str(cm.exception))

    @with_transaction()
    def test_last_condition_not_deleted(self):
        "Deleting or moving an active rule's last condition is refused"
        pool = Pool()
        Condition = pool.get('zt.rule.condition')
        self.world()
        condition, = seed_rule('rule_bom_excess').conditions
        with self.assertRaises(RuleValidationError), savepoint():
            Condition.delete([condition])
        with self.assertRaises(RuleValidationError), savepoint():
            Condition.write([condition], {
                    'rule': seed_rule('rule_over_limit').id})
        self.assertEqual(len(seed_rule('rule_bom_excess').conditions), 1)

    @with_transaction()
    def test_bad_condition_value(self):
        "A threshold that is not a number: the error names it, nothing saved"
        pool = Pool()
        Rule = pool.get('zt.rule')
        w = self.world()
        with acting(w.rule_admin):
            with self.assertRaises(RuleValidationError) as cm, savepoint():
                Rule.create([{
                            'name': "Bad",
                            'trigger': 'issue_request.submitted',
                            'conditions': [('create', [{
                                            'kind': 'field',
                                            'field': 'amount',
                                            'operator': '>',
                                            'value': '5,000',
                                            }])],
                            'actions': [('create', [{
                                            'type': 'approval',
                                            'approval_level': 'finance',
                                            }])],
                            }])
        self.assertIn('"5,000"', str(cm.exception))
        self.assertIn('not a number', str(cm.exception))
        self.assertFalse(Rule.search([('name', '=', "Bad")]))

    @with_transaction()
    def test_bad_condition_field_for_trigger(self):
        "A field the trigger does not offer is refused"
        Condition = Pool().get('zt.rule.condition')
        w = self.world()
        rule = seed_rule('rule_safety_stock')
        with acting(w.rule_admin):
            with self.assertRaises(RuleValidationError) as cm, savepoint():
                Condition.create([{
                            'rule': rule.id, 'kind': 'field',
                            'field': 'excess_lines', 'operator': '>',
                            'value': '0'}])
        self.assertIn('excess_lines', str(cm.exception))
        self.assertEqual(len(seed_rule('rule_safety_stock').conditions), 1)

    @with_transaction()
    def test_bad_operator_on_text(self):
        "'>' on a text field is refused with the operator named"
        Condition = Pool().get('zt.rule.condition')
        self.world()
        rule = seed_rule('rule_over_limit')
        with self.assertRaises(RuleValidationError) as cm:
            Condition.create([{
                        'rule': rule.id, 'kind': 'field',
                        'field': 'abc_class', 'operator': '>',
                        'value': 'A'}])
        self.assertIn('">"', str(cm.exception))

    @with_transaction()
    def test_window_not_offered(self):
        "A window on an issue request trigger is refused"
        Condition = Pool().get('zt.rule.condition')
        self.world()
        rule = seed_rule('rule_over_limit')
        with self.assertRaises(RuleValidationError):
            Condition.create([{
                        'rule': rule.id, 'kind': 'window',
                        'aggregate': 'count', 'group': 'product',
                        'direction': 'both',
                        'window': dt.timedelta(hours=1),
                        'operator': '>', 'value': '1'}])

    @with_transaction()
    def test_action_trigger(self):
        "An approval step cannot follow a schedule"
        Action = Pool().get('zt.rule.action')
        self.world()
        rule = seed_rule('rule_dead_stock')
        with self.assertRaises(RuleValidationError) as cm:
            Action.create([{'rule': rule.id, 'type': 'approval',
                        'approval_level': 'finance'}])
        self.assertIn(rule.name, str(cm.exception))

    # --- beyond the bill of materials -------------------------------------

    @with_transaction()
    def test_bom_excess_needs_reason(self):
        "Beyond the bill of materials without a reason: refused, still draft"
        w = self.world()
        request = w.create_request([(w.mat_a, 11)])   # the BOM needs 10
        with self.assertRaises(BOMExcessReasonError) as cm, savepoint():
            w.submit(request)
        self.assertIn('reason', str(cm.exception))
        self.assertEqual(
            Pool().get('zt.issue.request')(request.id).state, 'draft')

    @with_transaction()
    def test_bom_excess_with_reason(self):
        "With a reason it is submitted and the production manager approves"
        pool = Pool()
        Line = pool.get('zt.issue.request.line')
        w = self.world()
        request = w.create_request([(w.mat_b, 101)])   # the BOM needs 100
        Line.write(list(request.lines), {'excess_reason': "Scrap on line 2"})
        request = w.submit(request)
        self.assertEqual(request.state, 'waiting')
        self.assertEqual(request.approval_levels, ('manager', 'production'))
        request = w.decide(request, w.manager)
        self.assertEqual(request.state, 'waiting')
        request = w.decide(request, w.production_manager)
        self.assertEqual(request.state, 'approved')

    @with_transaction()
    def test_bom_excess_level_configurable(self):
        "The rule's action may ask the finance director instead"
        pool = Pool()
        Line = pool.get('zt.issue.request.line')
        w = self.world()
        action, = seed_rule('rule_bom_excess').actions
        action.approval_level = 'finance'
        action.save()
        request = w.create_request([(w.mat_b, 101)])
        Line.write(list(request.lines), {'excess_reason': "Scrap"})
        request = w.submit(request)
        self.assertEqual(request.approval_levels, ('manager', 'finance'))

    @with_transaction()
    def test_bom_excess_rule_inactive(self):
        "Without an active rule a reason does not help: refused as before"
        pool = Pool()
        Line = pool.get('zt.issue.request.line')
        w = self.world()
        rule = seed_rule('rule_bom_excess')
        rule.active = False
        rule.save()
        request = w.create_request([(w.mat_b, 101)])
        Line.write(list(request.lines), {'excess_reason': "Scrap"})
        with self.assertRaises(BOMExceededError), savepoint():
            w.submit(request)

    # --- frequent movement ----------------------------------------------

    def moves_in_out(self, w, product, count):
        "``count`` moves of ``product``: alternately out and back in."
        moves = []
        for i in range(count):
            if i % 2 == 0:
                moves.append(w.move(product, w.storage,
                        w.production_location))
            else:
                moves.append(w.move(product, w.supplier, w.storage))
        return moves

    @with_transaction()
    def test_frequent_movement_three(self):
        "3 moves of a product in 24 hours: no alert"
        w = self.world(accounting=False)
        rule = seed_rule('rule_frequent_movement')
        # mat_c was received once by the world: 2 more moves make 3
        self.moves_in_out(w, w.mat_c, 2)
        w.process_events()
        self.assertEqual(self.alerts(rule), [])

    @with_transaction()
    def test_frequent_movement_four(self):
        "4 moves in 24 hours: the moves are flagged, the supervisor alerted"
        pool = Pool()
        Move = pool.get('stock.move')
        Notification = pool.get('zt.notification')
        w = self.world()
        rule = seed_rule('rule_frequent_movement')
        moves = self.moves_in_out(w, w.mat_c, 3)
        w.process_events()
        alert, = self.alerts(rule)
        self.assertEqual(alert.state, 'open')
        self.assertEqual(alert.group.rec_name,
            "Zero-Trust Inventory / Warehouse Supervisor")
        flagged = {r.record for r in alert.records
            if r.record.__name__ == 'stock.move'}
        received, = Move.search([('product', '=', w.mat_c.id),
                ('from_location', '=', w.supplier.id),
                ('id', 'not in', [m.id for m in moves])])
        self.assertEqual(flagged, set(moves) | {received})
        self.assertTrue(all(Move(m.id).zt_abnormal for m in moves))
        self.assertFalse(Move.search([('product', '=', w.mat_b.id),
                    ('zt_abnormal', '=', True)]))
        figures = json.loads(alert.figures)
        self.assertEqual(figures[0]['actual'], '4')
        # the supervisor has no e-mail and no channel is set: the alert
        # is what reaches them, in the client
        self.assertEqual(Notification.search([('alert', '=', alert.id)]),
            [])
        # a fifth move joins the open alert
        self.moves_in_out(w, w.mat_c, 1)
        w.process_events()
        alert, = self.alerts(rule)
        self.assertEqual(len(alert.records), 5)   # the 5 moves

    @with_transaction()
    def test_frequent_movement_window_edges(self):
        "The window is (t - 24 h, t]: 24 h minus 1 s inside, 24 h outside"
        pool = Pool()
        Event = pool.get('zt.rule.event')
        w = self.world()
        rule = seed_rule('rule_frequent_movement')
        w.process_events()
        moves = self.moves_in_out(w, w.mat_c, 3)
        received, = [m for m in Pool().get('stock.move').search([
                    ('product', '=', w.mat_c.id), ('state', '=', 'done'),
                    ]) if m not in moves]
        end = dt.datetime(2026, 11, 29, 12, 0, 0)
        w.set_effective_time(moves, end)
        # exactly 24 h before the last move: outside
        w.set_effective_time([received], end - dt.timedelta(hours=24))
        Event.write(Event.search([]), {'state': 'done'})
        last = Pool().get('stock.move')(moves[-1].id)
        self.assertEqual(last.zt_effective_time, end)
        rule.apply_records([last])
        self.assertEqual(self.alerts(rule), [])
        # one second later: inside, 4 moves
        w.set_effective_time(
            [received], end - dt.timedelta(hours=24) + dt.timedelta(
                seconds=1))
        rule.apply_records([last])
        alert, = self.alerts(rule)
        self.assertEqual(json.loads(alert.figures)[0]['actual'], '4')

    @with_transaction()
    def test_internal_moves_not_counted(self):
        "Moves within the warehouse's storage are neither in nor out"
        Location = Pool().get('stock.location')
        w = self.world()
        rule = seed_rule('rule_frequent_movement')
        shelf, = Location.create([{'name': "Shelf", 'type': 'storage',
                    'parent': w.storage.id}])
        for _ in range(4):
            w.move(w.mat_c, w.storage, shelf)
        w.process_events()
        self.assertEqual(self.alerts(rule), [])

    @with_transaction()
    def test_events_processed_once(self):
        "An event is processed once, even when asked twice"
        Event = Pool().get('zt.rule.event')
        self.world()
        events = Event.search([('state', '=', 'pending')])
        self.assertTrue(events)
        self.assertEqual(Event.process(events), len(events))
        self.assertEqual(Event.process(events), 0)

    @with_transaction()
    def test_no_event_without_rule(self):
        "No rule follows a trigger: no event is stored"
        pool = Pool()
        Event = pool.get('zt.rule.event')
        w = self.world()
        rule = seed_rule('rule_frequent_movement')
        rule.active = False
        rule.save()
        before = Event.search([], count=True)
        w.move(w.mat_c, w.supplier, w.storage)
        self.assertEqual(Event.search([], count=True), before)

    # --- counts -----------------------------------------------------------

    @with_transaction()
    def test_count_posted_rule(self):
        "A rule on posted counts flags a count with a large difference"
        pool = Pool()
        Rule = pool.get('zt.rule')
        Inventory = pool.get('stock.inventory')
        w = self.world()
        rule, = Rule.create([{
                    'name': "Count difference",
                    'trigger': 'inventory.done',
                    'conditions': [('create', [{
                                    'kind': 'field',
                                    'field': 'difference_amount',
                                    'operator': '>=', 'value': '100'}])],
                    'actions': [('create', [{'type': 'flag',
                                    'group': w.supervisor.groups[0].id}])],
                    }])
        counts = []
        # 200 screws at 10.00: -5 (50.00) then -10 (100.00)
        for counted in [195, 185]:
            # the keeper counts, someone else confirms (segregation)
            with acting(w.keeper):
                count, = Inventory.create([{
                            'location': w.storage.id,
                            'company': w.company.id,
                            'empty_quantity': 'keep',
                            'lines': [('create', [{
                                            'product': w.mat_b.id,
                                            'quantity': counted}])],
                            }])
                Inventory.complete_lines([count])
            with Transaction().set_context(_skip_warnings=True):
                Inventory.confirm([count])
            counts.append(count)
        w.process_events()
        alert, = self.alerts(rule)
        self.assertEqual([r.record for r in alert.records], [counts[1]])
        self.assertEqual(
            Decimal(json.loads(alert.figures)[0]['actual']), Decimal(100))

    @with_transaction()
    def test_approved_event(self):
        "An approved request is an event of the rules that follow it"
        pool = Pool()
        Rule = pool.get('zt.rule')
        w = self.world()
        rule, = Rule.create([{
                    'name': "Approved class A",
                    'trigger': 'issue_request.approved',
                    'conditions': [('create', [{'kind': 'field',
                                    'field': 'abc_class', 'operator': 'in',
                                    'value': 'A, B'}])],
                    'actions': [('create', [{'type': 'flag',
                                    'users': [('add', [w.director.id])]}])],
                    }])
        request = w.approved_request([(w.mat_b, 3)])
        w.process_events()
        alert, = self.alerts(rule)
        self.assertEqual([r.record for r in alert.records], [request])
        self.assertEqual(list(alert.users), [w.director])

    # --- safety stock ---------------------------------------------------

    def order_point(self, w, product, minimum, target):
        "An order point of ``product`` (made purchasable) in the warehouse."
        pool = Pool()
        OrderPoint = pool.get('stock.order_point')
        Template = pool.get('product.template')
        Template.write([product.template], {
                'purchasable': True, 'purchase_uom': w.unit.id})
        point, = OrderPoint.create([{
                    'product': product.id,
                    'location': w.warehouse.id,
                    'type': 'purchase',
                    'min_quantity': minimum,
                    'target_quantity': target,
                    'company': w.company.id,
                    }])
        return point

    @with_transaction()
    def test_safety_stock_one_request(self):
        "Below safety stock: one purchase request, run twice still one"
        pool = Pool()
        Rule = pool.get('zt.rule')
        Request = pool.get('purchase.request')
        Notification = pool.get('zt.notification')
        User = pool.get('res.user')
        w = self.world()
        User.write([w.purchaser], {'email': 'purchasing@example.com'})
        # 20 in stock, 10 planned for the waiting production: forecast 10
        self.order_point(w, w.mat_a, 50, 80)
        rule = seed_rule('rule_safety_stock')
        Rule.run_schedule('daily', [rule])
        request, = Request.search([])
        self.assertEqual(request.product, w.mat_a)
        self.assertEqual(request.warehouse, w.warehouse)
        self.assertEqual(request.quantity, 70)   # up to the target
        self.assertEqual(request.origin.__name__, 'stock.order_point')
        alert, = self.alerts(rule)
        self.assertIn(request, [r.record for r in alert.records])
        notification, = Notification.search([('alert', '=', alert.id)])
        self.assertEqual(notification.recipients, 'purchasing@example.com')
        # the purchaser opens the request and the alert's records
        with acting(w.purchaser):
            self.assertEqual(Request.search([]), [request])
            alert = pool.get('zt.alert')(alert.id)
            self.assertIn(str(request), [str(r.record)
                    for r in alert.records])
        Rule.run_schedule('daily', [rule])
        self.assertEqual(Request.search([], count=True), 1)
        self.assertEqual(len(self.alerts(rule)), 1)
        self.assertEqual(Notification.search([], count=True), 1)

    @with_transaction()
    def test_safety_stock_above(self):
        "At or above the safety stock: nothing"
        pool = Pool()
        Rule = pool.get('zt.rule')
        Request = pool.get('purchase.request')
        w = self.world()
        # forecast 10 (20 in stock, 10 planned): not below 10
        self.order_point(w, w.mat_a, 10, 80)
        Rule.run_schedule('daily', [seed_rule('rule_safety_stock')])
        self.assertEqual(Request.search([]), [])

    # --- dead stock -----------------------------------------------------

    @with_transaction()
    def test_dead_stock(self):
        "No move for 180 days: dead stock, reported; a move clears it"
        pool = Pool()
        Rule = pool.get('zt.rule')
        Template = pool.get('product.template')
        w = self.world()
        old = w.create_product("Old valve", 30)
        # received 200 days ago (a back-dated receipt)
        move = w.move(old, w.supplier, w.storage, 5,
            effective_date=w.today - dt.timedelta(days=200))
        self.assertEqual(move.zt_effective_time.date(),
            w.today - dt.timedelta(days=200))
        rule = seed_rule('rule_dead_stock')
        Rule.run_schedule('daily', [rule])
        self.assertEqual(
            Template(old.template.id).zt_classification, 'dead_stock')
        self.assertEqual(Template(old.template.id).zt_classified_by, rule)
        self.assertIsNone(Template(w.mat_b.template.id).zt_classification)
        report, = self.alerts(rule)
        self.assertEqual([r.record for r in report.records], [old])
        self.assertEqual(report.summary, '%s: %s' % (
                rule.name, report.date.date().isoformat()))
        self.assertEqual(report.group.rec_name,
            "Zero-Trust Inventory / Department Manager")
        # it moves again: no longer dead stock
        w.move(old, w.storage, w.production_location, 1)
        Rule.run_schedule('daily', [rule])
        self.assertIsNone(Template(old.template.id).zt_classification)

    @with_transaction()
    def test_dead_stock_edge(self):
        "180 days ago is inside the window (not dead); 181 days outside"
        pool = Pool()
        Rule = pool.get('zt.rule')
        Template = pool.get('product.template')
        w = self.world()
        now = dt.datetime.utcnow().replace(microsecond=0)
        p180 = w.create_product("Valve 180", 30)
        p181 = w.create_product("Valve 181", 30)
        m180 = w.move(p180, w.supplier, w.storage, 1)
        m181 = w.move(p181, w.supplier, w.storage, 1)
        w.set_effective_time([m180],
            now - dt.timedelta(days=180) + dt.timedelta(seconds=5))
        w.set_effective_time([m181], now - dt.timedelta(days=181))
        Rule.run_schedule('daily', [seed_rule('rule_dead_stock')], now=now)
        self.assertIsNone(Template(p180.template.id).zt_classification)
        self.assertEqual(
            Template(p181.template.id).zt_classification, 'dead_stock')

    # --- ABC --------------------------------------------------------------

    @with_transaction()
    def test_abc_classes(self):
        "ABC classes from consumption value, 80/15/5"
        pool = Pool()
        Template = pool.get('product.template')
        w = self.world()
        # consumption: mat_c 100 x 100 = 10,000; mat_b 10 x 100 = 1,000;
        # mat_a 2 x 20 = 40: shares before: 0 -> A, 90.6 % -> C...
        w.move(w.mat_c, w.supplier, w.storage, 100)
        w.move(w.mat_c, w.storage, w.production_location, 100)
        w.move(w.mat_b, w.storage, w.production_location, 100)
        w.move(w.mat_a, w.storage, w.production_location, 20)
        classes = Template.compute_abc_classes(w.company)
        self.assertEqual(classes[w.mat_c.template.id], 'A')
        # before mat_b: 10,000 / 11,040 = 90.6 % >= 80 -> B
        self.assertEqual(classes[w.mat_b.template.id], 'B')
        # before mat_a: 11,000 / 11,040 = 99.6 % >= 95 -> C
        self.assertEqual(classes[w.mat_a.template.id], 'C')
        self.assertEqual(Template(w.mat_a.template.id).abc_class, 'C')
        self.assertEqual(Template(w.mat_c.template.id).zt_consumption_value,
            Decimal('10000.00'))

    @with_transaction()
    def test_abc_bad_shares(self):
        "Shares that do not sum to 100 are refused"
        Configuration = Pool().get('zt.inventory.configuration')
        self.world()
        config = Configuration(1)
        config.abc_share_a = Decimal(90)
        with self.assertRaises(RuleValidationError):
            config.save()

    # --- alerts -----------------------------------------------------------

    @with_transaction()
    def test_alert_visibility_and_acknowledge(self):
        "The supervisor sees and acknowledges the alert; a keeper does not"
        pool = Pool()
        Alert = pool.get('zt.alert')
        Entry = pool.get('zt.ledger.entry')
        w = self.world()
        self.moves_in_out(w, w.mat_c, 3)
        w.process_events()
        alert, = self.alerts(seed_rule('rule_frequent_movement'))
        with acting(w.keeper):
            self.assertEqual(Alert.search([]), [])
        with acting(w.supervisor):
            self.assertEqual(Alert.search([]), [alert])
            # the supervisor does not read the rules, only their names
            self.assertEqual(Alert(alert.id).rule_name,
                seed_rule('rule_frequent_movement').name)
            with self.assertRaises(UserError), savepoint():
                Alert.write([Alert(alert.id)], {'state': 'closed'})
            Alert.acknowledge([Alert(alert.id)])
        # the department manager reads every alert but acts on theirs only
        from ..exceptions import AlertActorError
        with acting(w.manager):
            self.assertEqual(Alert.search([]), [alert])
            with self.assertRaises(AlertActorError), savepoint():
                Alert.close([Alert(alert.id)])
        alert = Alert(alert.id)
        self.assertEqual(alert.state, 'acknowledged')
        self.assertEqual(alert.acknowledged_by, w.supervisor)
        self.assertEqual(
            [e.event for e in Entry.search([('model', '=', 'zt.alert'),
                        ('record', '=', alert.id)], order=[('id', 'ASC')])],
            ['zt.alert.created', 'zt.alert.acknowledged'])

    # --- channels ---------------------------------------------------------

    @with_transaction()
    def test_channel_secret_needs_key(self):
        "Without [zt_rules] secret_key a webhook address is not stored"
        from ..exceptions import ChannelSecretError
        Channel = Pool().get('zt.notification.channel')
        w = self.world()
        with self.assertRaises(ChannelSecretError), savepoint():
            Channel.create([{'name': "Robot", 'company': w.company.id,
                        'type': 'dingtalk',
                        'url': 'https://oapi.dingtalk.com/robot/send'
                        '?access_token=SECRET'}])
        self.assertEqual(Channel.search([]), [])

    @with_transaction()
    def test_channel_env_reference(self):
        "'env:NAME' keeps the secret outside the database"
        Channel = Pool().get('zt.notification.channel')
        w = self.world()
        channel, = Channel.create([{'name': "Robot",
                    'company': w.company.id, 'type': 'webhook',
                    'url': 'env:ZT_TEST_WEBHOOK'}])
        self.assertEqual(channel.url, '***')
        with self.assertRaises(UserError):
            channel.open_url()




del ModuleTestCase
