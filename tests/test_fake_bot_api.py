"""Tests of the fake Telegram Bot API server itself (and that python-telegram-bot talks to it)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

try:
    from tests.fake_bot_api import FakeBotAPI
except ImportError:  # tests/ itself on sys.path (pytest rootdir-less import)
    from fake_bot_api import FakeBotAPI

USER = 1001


@pytest.fixture
def api():
    with FakeBotAPI() as server:
        server.push_message("hi", user_id=USER)  # makes the private chat known
        yield server


@pytest.fixture
def client(api):
    with httpx.Client(base_url=f"{api.base_url}/bot{api.token}/", timeout=10) as c:
        yield c


def call(client: httpx.Client, method: str, **params) -> tuple[int, dict]:
    r = client.post(method, json=params)
    return r.status_code, r.json()


def test_auth_unknown_method_and_get_me(api, client):
    r = httpx.post(f"{api.base_url}/bot999:WRONG/getMe")
    assert (r.status_code, r.json()) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert call(client, "sendNothing") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = call(client, "getMe")
    assert status == 200 and body["result"]["username"] == "diaspora_test_bot"
    assert body["result"]["id"] == api.bot_id


@pytest.mark.parametrize("text", [
    "<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> <del>d</del>",
    '<a href="https://example.org/?a=1&amp;b=2">link</a> &lt;3 &gt; &quot; &#128512; &#x1F600;',
    '<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler> <blockquote expandable>q</blockquote>',
    '<pre><code class="language-python">print("&lt;hi&gt;")</code></pre> <code>c</code>',
    "<b>nested <i>and <u>deep</u></i></b>",
])
def test_html_accepts_valid_markup(api, client, text):
    status, body = call(client, "sendMessage", chat_id=USER, text=text, parse_mode="HTML")
    assert status == 200, body
    assert "</" not in body["result"]["text"] and body["result"]["entities"]


@pytest.mark.parametrize("text, fragment", [
    ("1 < 2", "can't parse entities"),
    ("2 > 1", "can't parse entities"),
    ("Tom & Jerry", "can't parse entities"),
    ("&nbsp;", "can't parse entities"),
    ("line<br>break", 'Unsupported start tag "br"'),
    ("<b>unclosed", "Can't find end tag"),
    ("<b><i>x</b></i>", "Unmatched end tag"),
    ("<span>x</span>", "tg-spoiler"),
    ('<a href="https://x.org" target="_blank">x</a>', "Unsupported attribute"),
    ("<b></b>  ", "message text is empty"),
    ("   ", "message text is empty"),
])
def test_html_rejects_invalid_markup(api, client, text, fragment):
    status, body = call(client, "sendMessage", chat_id=USER, text=text, parse_mode="HTML")
    assert status == 400 and body["description"].startswith("Bad Request: ")
    assert fragment in body["description"]
    assert api.errors[-1].description == body["description"]


def test_parse_mode_and_missing_text(api, client):
    assert call(client, "sendMessage", chat_id=USER, text="x", parse_mode="BBCode")[0] == 400
    assert call(client, "sendMessage", chat_id=USER)[1]["description"] == "Bad Request: message text is empty"
    assert call(client, "sendMessage", chat_id=USER, text="Hello.", parse_mode="MarkdownV2")[0] == 400
    assert call(client, "sendMessage", chat_id=USER, text="Hello\\. *bold*", parse_mode="MarkdownV2")[0] == 200
    assert call(client, "sendMessage", chat_id=42, text="x")[1]["description"] == "Bad Request: chat not found"


def test_length_limit_counts_utf16_after_parsing(api, client):
    ok = ["a" * 4096, "😀" * 2048, "<b>" + "a" * 4096 + "</b>", "&amp;" * 4096]
    for text in ok:
        assert call(client, "sendMessage", chat_id=USER, text=text, parse_mode="HTML")[0] == 200
    for text in ["a" * 4097, "😀" * 2048 + "a"]:
        status, body = call(client, "sendMessage", chat_id=USER, text=text)
        assert (status, body["description"]) == (400, "Bad Request: message is too long")
    assert call(client, "sendMessage", chat_id=USER, text="x" * 4000 + "\n" * 500)[0] == 200  # trimmed
    status, body = call(client, "sendDocument", chat_id=USER, document="https://example.org/a.pdf",
                        caption="é" * 1025)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")


def test_callback_data_and_button_validation(api, client):
    def send(*buttons):
        markup = json.dumps({"inline_keyboard": [list(buttons)]})  # form-encoded JSON string, like PTB
        r = client.post("sendMessage", data={"chat_id": str(USER), "text": "pick", "reply_markup": markup})
        return r.status_code, r.json().get("description")

    assert send({"text": "ok", "callback_data": "x" * 64})[0] == 200
    assert send({"text": "no", "callback_data": "x" * 65}) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert send({"text": "no", "callback_data": "é" * 33}) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert send({"text": "no", "callback_data": ""}) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert send({"text": "text only"})[0] == 400
    assert send({"text": "two", "callback_data": "a", "url": "https://x.org"})[0] == 400
    assert send({"text": "bad url", "url": "javascript:alert(1)"}) == (400, "Bad Request: BUTTON_URL_INVALID")
    assert send({"text": "web", "url": "https://example.org"})[0] == 200
    assert send(*[{"text": str(i), "callback_data": str(i)} for i in range(101)])[0] == 400


def test_get_updates_offset_and_timeout():
    with FakeBotAPI(max_poll_timeout=5) as api, httpx.Client(timeout=10) as client:
        url = f"{api.base_url}/bot{api.token}/getUpdates"
        started = time.monotonic()
        assert client.post(url, json={"timeout": 0.3}).json()["result"] == []
        assert time.monotonic() - started >= 0.25
        one, two = api.push_message("one"), api.push_message("two")
        result = client.post(url, json={"offset": 0}).json()["result"]
        assert [u["update_id"] for u in result] == [one["update_id"], two["update_id"]]
        assert result[1]["message"]["text"] == "two"
        result = client.post(url, json={"offset": two["update_id"]}).json()["result"]  # confirms `one`
        assert [u["update_id"] for u in result] == [two["update_id"]]
        with ThreadPoolExecutor(1) as pool:  # a long poll is woken by a new update
            started = time.monotonic()
            future = pool.submit(client.post, url, json={"offset": two["update_id"] + 1, "timeout": 5})
            three = api.push_command("/start")
            result = future.result().json()["result"]
        assert time.monotonic() - started < 4
        assert [u["update_id"] for u in result] == [three["update_id"]]
        assert result[0]["message"]["entities"][0]["type"] == "bot_command"


def test_fail_next_injects_faults(api, client):
    api.fail_next("sendMessage", retry_after=3)
    status, body = call(client, "sendMessage", chat_id=USER, text="x")
    assert status == 429
    assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3}}
    assert call(client, "sendMessage", chat_id=USER, text="x")[0] == 200
    api.fail_next("getMe", status=502)
    r = client.post("getMe")
    assert r.status_code == 502 and r.headers["content-type"] == "text/html" and "<html>" in r.text
    api.fail_next("getMe", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("getMe")
    assert call(client, "getMe")[0] == 200
    assert api.errors == []  # injected faults are not the bot's fault
    assert [c.method for c in api.calls].count("getMe") == 3


def test_upload_get_file_and_download(api, client):
    markup = json.dumps({"inline_keyboard": [[{"text": "Open", "url": "https://example.org"}]]})
    r = client.post("sendDocument", files={"document": ("report.txt", b"hello\r\nworld", "text/plain")},
                    data={"chat_id": str(USER), "caption": "<b>Report</b>", "parse_mode": "HTML",
                          "reply_markup": markup})
    assert r.status_code == 200, r.text
    message = r.json()["result"]
    assert message["caption"] == "Report" and message["document"]["file_name"] == "report.txt"
    assert message["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://example.org"
    info = call(client, "getFile", file_id=message["document"]["file_id"])[1]["result"]
    assert info["file_size"] == 12
    assert httpx.get(f"{api.base_url}/file/bot{api.token}/{info['file_path']}").content == b"hello\r\nworld"

    upload = api.push_document("notes.pdf", b"%PDF-1.4 data", user_id=USER)
    info = call(client, "getFile", file_id=upload["message"]["document"]["file_id"])[1]["result"]
    assert httpx.get(f"{api.base_url}/file/bot{api.token}/{info['file_path']}").content == b"%PDF-1.4 data"
    assert call(client, "getFile", file_id="nope")[0] == 400


def test_set_my_commands_and_edit_rules(api, client):
    commands = [{"command": "start", "description": "Start"}, {"command": "help", "description": "Help"}]
    assert call(client, "setMyCommands", commands=commands, language_code="km")[0] == 200
    assert api.my_commands(language_code="km") == commands
    assert call(client, "getMyCommands", language_code="km")[1]["result"] == commands
    for bad in ([{"command": "Start", "description": "x"}], [{"command": "start", "description": ""}],
                [{"command": "a" * 33, "description": "x"}],
                [{"command": f"c{i}", "description": "x"} for i in range(101)]):
        assert call(client, "setMyCommands", commands=bad)[0] == 400

    sent = call(client, "sendMessage", chat_id=USER, text="<b>v1</b>", parse_mode="HTML")[1]["result"]
    edit = {"chat_id": USER, "message_id": sent["message_id"], "text": "<b>v1</b>", "parse_mode": "HTML"}
    assert "message is not modified" in call(client, "editMessageText", **edit)[1]["description"]
    assert call(client, "editMessageText", **{**edit, "text": "v2"})[0] == 200
    assert api.message(USER, sent["message_id"])["text"] == "v2"
    assert call(client, "editMessageText", **{**edit, "message_id": 999})[1]["description"] == \
        "Bad Request: message to edit not found"
    assert call(client, "answerCallbackQuery", callback_query_id="123")[0] == 400


def test_wait_for_times_out_with_call_log(api, client):
    call(client, "getMe")
    with pytest.raises(AssertionError, match="getMe"):
        api.wait_for_sync(lambda s: len(s.sent_messages()) > 0, timeout=0.2)


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_python_telegram_bot_application_end_to_end(api):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
        await update.message.reply_html("<b>Welcome</b>, &lt;friend&gt;!", reply_markup=keyboard)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"You chose <i>{update.callback_query.data}</i>",
                                                       parse_mode="HTML")

    app = (ApplicationBuilder().token(api.token).base_url(f"{api.base_url}/bot")
           .base_file_url(f"{api.base_url}/file/bot").build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    upload = api.push_document("guide.txt", b"migrant guide", user_id=USER)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0)
        try:
            api.push_command("/start", user_id=USER)
            await api.wait_for(lambda s: len(s.sent_messages(chat_id=USER)) >= 1)
            api.push_callback("go", user_id=USER)
            await api.wait_for(lambda s: len(s.sent_messages(chat_id=USER)) >= 2)

            file = await app.bot.get_file(upload["message"]["document"]["file_id"])
            assert bytes(await file.download_as_bytearray()) == b"migrant guide"
            api.fail_next("sendMessage", retry_after=7)
            with pytest.raises(RetryAfter):
                await app.bot.send_message(USER, "hi")
        finally:
            await app.updater.stop()
            await app.stop()

    assert api.errors == []
    reply, edit = api.sent_messages(chat_id=USER)
    assert reply["parse_mode"] == "HTML" and reply["text"] == "<b>Welcome</b>, &lt;friend&gt;!"
    assert reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
    assert edit["text"] == "You chose <i>go</i>"
    assert api.message(USER, edit["message_id"])["text"] == "You chose go"
    assert [c.method for c in api.calls].count("answerCallbackQuery") == 1
