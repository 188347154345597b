"""Each notifier kind's wire format, against real loopback receivers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from alerts.notifiers import Delivery, Message
from alerts.notifiers.dingtalk import DingTalkConfig, DingTalkNotifier
from alerts.notifiers.email import EmailConfig, EmailNotifier
from alerts.notifiers.sms import SmsConfig, SmsNotifier
from alerts.notifiers.webhook import WebhookConfig, WebhookNotifier
from alerts.notifiers.wecom import WeComConfig, WeComNotifier
from tests.alerts.notify_receivers import HttpReceiver, smtp_receiver

R = TypeVar("R")
MSG = Message(title="株洲市醴陵市政府门户网站首页出现死链", text="首页新增 2 个不可访问链接。",
              severity="high", city="430200", group_key="site:hn-zz-007",
              alerts=({"rule": "dead_link", "labels": {"site": "hn-zz-007", "check": "dead_links"}},),
              idem_key="n-42")


def run(server: HttpReceiver, body: Callable[[str], Awaitable[R]]) -> R:
    async def main() -> R:
        url = await server.start()
        try:
            return await body(url)
        finally:
            await server.stop()
    return asyncio.run(asyncio.wait_for(main(), 60))


def test_webhook_posts_json_with_auth_headers() -> None:
    server = HttpReceiver()
    d = run(server, lambda url: WebhookNotifier(WebhookConfig(url=url, bearer_token="tok", header_name="X-Api-Key",
                                                             header_value="k1")).notify(MSG))
    assert d.ok
    (seen,) = server.seen
    assert seen.headers["Authorization"] == "Bearer tok" and seen.headers["X-Api-Key"] == "k1"
    assert seen.headers["Idempotency-Key"] == "n-42"
    assert seen.body["title"] == MSG.title and seen.body["severity"] == "high" and seen.body["city"] == "430200"
    assert seen.body["alerts"] == [{"rule": "dead_link", "labels": {"site": "hn-zz-007", "check": "dead_links"}}]


def test_webhook_429_is_retryable() -> None:
    server = HttpReceiver(replies=[(429, {"error": "slow down"})])
    d = run(server, lambda url: WebhookNotifier(WebhookConfig(url=url)).notify(MSG))
    assert (d.ok, d.retryable) == (False, True) and "429" in d.detail


def test_dingtalk_markdown_signed_and_verified_by_the_receiver() -> None:
    secret = "SEC0123456789abcdef"
    server = HttpReceiver(ok_body={"errcode": 0, "errmsg": "ok"}, dingtalk_secret=secret)

    async def body(url: str) -> tuple[Delivery, Delivery]:
        good = DingTalkNotifier(DingTalkConfig(url=url + "?access_token=abc", secret=secret,
                                               at_mobiles=("13900000002",)))
        bad = DingTalkNotifier(DingTalkConfig(url=url + "?access_token=abc", secret="SECwrong"))
        return await good.notify(MSG), await bad.notify(MSG)

    good, bad = run(server, body)
    assert good.ok, good
    assert (bad.ok, bad.retryable) == (False, False) and "310000" in bad.detail
    first = server.seen[0]
    assert first.query["access_token"] == "abc" and first.query["timestamp"].isdigit()
    assert first.body["msgtype"] == "markdown"
    assert first.body["markdown"]["title"] == MSG.title
    assert MSG.text in first.body["markdown"]["text"] and "@13900000002" in first.body["markdown"]["text"]
    assert first.body["at"] == {"atMobiles": ["13900000002"], "isAtAll": False}


def test_dingtalk_too_fast_is_retryable_and_on_duty_phone_replaces_configured() -> None:
    server = HttpReceiver(ok_body={"errcode": 0}, replies=[(200, {"errcode": 130101, "errmsg": "send too fast"})])

    async def body(url: str) -> tuple[Delivery, Delivery]:
        n = DingTalkNotifier(DingTalkConfig(url=url, at_mobiles=("13900000002",)))
        to_duty = Message(**{**MSG.__dict__, "to": ("13700000003",)})
        return await n.notify(MSG), await n.notify(to_duty)

    busy, ok = run(server, body)
    assert (busy.ok, busy.retryable) == (False, True)
    assert ok.ok and server.seen[1].body["at"]["atMobiles"] == ["13700000003"]


def test_wecom_markdown_and_errcodes() -> None:
    server = HttpReceiver(ok_body={"errcode": 0, "errmsg": "ok"},
                          replies=[(200, {"errcode": 0}), (200, {"errcode": 45009, "errmsg": "freq"}),
                                   (200, {"errcode": 93000, "errmsg": "invalid webhook url"})])

    async def body(url: str) -> list[Delivery]:
        n = WeComNotifier(WeComConfig(url=url + "?key=k", mentioned_mobiles=("13900000002",)))
        return [await n.notify(MSG) for _ in range(3)]

    ok, freq, invalid = run(server, body)
    assert ok.ok and (freq.ok, freq.retryable) == (False, True) and (invalid.ok, invalid.retryable) == (False, False)
    sent = server.seen[0]
    assert sent.query["key"] == "k" and sent.body["msgtype"] == "markdown"
    assert MSG.title in sent.body["markdown"]["content"] and "<@13900000002>" in sent.body["markdown"]["content"]


def test_sms_template_success_field_and_gateway_answers() -> None:
    template: dict[str, Any] = {"mobile": "{phone}", "msg": {"content": "{text}", "sign": "湖南政府网站运维"}}
    server = HttpReceiver(ok_body={"result": {"code": 0}},
                          replies=[(200, {"result": {"code": 0}}), (200, {"result": {"code": 17, "msg": "黑名单"}}),
                                   (429, {}), (500, {})])

    async def body(url: str) -> list[Delivery]:
        n = SmsNotifier(SmsConfig(url=url, template=template, phones=("13800000001",),
                                  success_field="result.code", success_value="0"))
        return [await n.notify(MSG) for _ in range(4)]

    ok, refused, limited, down = run(server, body)
    assert ok.ok and (refused.ok, refused.retryable) == (False, False) and "result.code" in refused.detail
    assert (limited.ok, limited.retryable) == (False, True) and (down.ok, down.retryable) == (False, True)
    first = server.seen[0].body
    assert first["mobile"] == "13800000001" and first["msg"]["sign"] == "湖南政府网站运维"
    assert first["msg"]["content"].startswith("【严重】" + MSG.title) and MSG.text in first["msg"]["content"]


def test_sms_failure_after_a_first_phone_is_not_retried() -> None:
    server = HttpReceiver(ok_body={}, replies=[(200, {}), (500, {})])

    async def body(url: str) -> Delivery:
        return await SmsNotifier(SmsConfig(url=url, phones=("13800000001", "13800000002"))).notify(MSG)

    d = run(server, body)
    # the first phone already has the text: retrying would send it twice
    assert (d.ok, d.retryable) == (False, False) and "13800000002" in d.detail
    assert [s.body["phone"] for s in server.seen] == ["13800000001", "13800000002"]


def test_email_chinese_subject_and_body_arrive() -> None:
    with smtp_receiver() as (port, handler):
        config = EmailConfig(host="127.0.0.1", port=port, sender="alerts@govops.test", to=("ops@govops.test",))
        to_duty = Message(**{**MSG.__dict__, "to": ("zhangsan@govops.test",)})
        d = asyncio.run(asyncio.wait_for(EmailNotifier(config).notify(to_duty), 30))
        assert d.ok, d
        ((mail_from, rcpts, msg),) = handler.messages
    assert mail_from == "alerts@govops.test" and rcpts == ["zhangsan@govops.test"]
    assert msg["Subject"] == "【严重】" + MSG.title and msg["To"] == "zhangsan@govops.test"
    assert MSG.text in msg.get_content() and "运维指挥中心" in msg.get_content()


def test_email_without_any_recipient_is_a_config_error() -> None:
    config = EmailConfig(host="127.0.0.1", port=25, sender="alerts@govops.test")
    d = asyncio.run(EmailNotifier(config).notify(MSG))
    assert (d.ok, d.retryable) == (False, False) and "no recipient" in d.detail


MIXED = Message(title="【严重】长沙市告警 1 条",
                text="[严重·告警中] 芙蓉区网站首页无法访问\n[已恢复] 长沙市网站访问缓慢", severity="high",
                city="长沙市", group_key="city:430100", idem_key="n-43",
                alerts=({"id": 1, "rule": "site_down", "state": "firing", "status": "firing"},),
                resolved=({"id": 2, "rule": "site_slow", "state": "resolved", "status": "resolved"},))
ALL_RESOLVED = Message(title="【已恢复】长沙市告警 1 条已恢复", text="[已恢复] 长沙市网站访问缓慢", severity="high",
                       resolved=MIXED.resolved)


def test_message_status_follows_alertmanager() -> None:
    assert (MIXED.status, ALL_RESOLVED.status, MSG.status) == ("firing", "resolved", "firing")
    assert Message(title="告警通知测试", text="").status == "firing"  # a test message announces nothing resolved
    assert (MSG.tag, ALL_RESOLVED.tag, MIXED.tag) == ("【严重】", "", "")  # planner titles carry their own tag


def test_webhook_body_carries_group_status_and_resolved_alerts() -> None:
    server = HttpReceiver()

    async def body(url: str) -> list[Delivery]:
        n = WebhookNotifier(WebhookConfig(url=url))
        return [await n.notify(MIXED), await n.notify(ALL_RESOLVED)]

    assert all(d.ok for d in run(server, body))
    mixed, done = (s.body for s in server.seen)
    assert mixed["status"] == "firing"
    assert [(a["id"], a["status"]) for a in mixed["alerts"]] == [(1, "firing")]
    assert [(a["id"], a["status"]) for a in mixed["resolved"]] == [(2, "resolved")]
    assert (done["status"], done["alerts"], done["title"]) == ("resolved", [], ALL_RESOLVED.title)
    assert [a["status"] for a in done["resolved"]] == ["resolved"]


def test_robot_markdown_puts_each_alert_line_in_its_own_paragraph() -> None:
    ding, wecom = HttpReceiver(ok_body={"errcode": 0}), HttpReceiver(ok_body={"errcode": 0})
    run(ding, lambda url: DingTalkNotifier(DingTalkConfig(url=url)).notify(MIXED))
    run(wecom, lambda url: WeComNotifier(WeComConfig(url=url)).notify(MIXED))
    expected = "### 【严重】长沙市告警 1 条\n\n[严重·告警中] 芙蓉区网站首页无法访问\n\n[已恢复] 长沙市网站访问缓慢"
    assert ding.seen[0].body["markdown"]["text"] == expected
    assert wecom.seen[0].body["markdown"]["content"] == expected


def test_sms_and_email_of_a_recovery_carry_no_severity_tag() -> None:
    server = HttpReceiver(ok_body={})
    run(server, lambda url: SmsNotifier(SmsConfig(url=url, phones=("13800000001",))).notify(ALL_RESOLVED))
    assert server.seen[0].body["content"] == "【已恢复】长沙市告警 1 条已恢复：[已恢复] 长沙市网站访问缓慢"
    with smtp_receiver() as (port, handler):
        config = EmailConfig(host="127.0.0.1", port=port, sender="alerts@govops.test", to=("ops@govops.test",))
        assert asyncio.run(asyncio.wait_for(EmailNotifier(config).notify(ALL_RESOLVED), 30)).ok
        ((_, _, msg),) = handler.messages
    assert msg["Subject"] == ALL_RESOLVED.title and "[已恢复] 长沙市网站访问缓慢" in msg.get_content()
