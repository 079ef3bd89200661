"""A generated corpus for the tokenizer conformance test: several hundred
texts across scripts, HTML, mojibake, whitespace and length, plus a few
fixed cases. Deterministic (seeded)."""
import random

WORDS = ("a photo of a cat dog on the table with two people walking in a park at "
         "night red car blue sky diagram of an engine").split()
CONTRACTIONS = ["it's", "don't", "we're", "they've", "I'm", "you'll", "he'd",
                "IT'S", "O'Neil", "rock'n'roll", "'s", "x'ſ"]
ACCENTED = ["café", "naïve", "résumé", "Zürich", "São Paulo", "façade", "Ångström",
            "crème brûlée", "Łódź", "İstanbul", "straße", "ĲSSEL"]
GREEK = ["Καλημέρα κόσμε", "ΟΔΟΣ", "ΟΔΟΣ.", "φιλοσοφία", "ΣΊΣΥΦΟΣ", "αΣ"]
CYRILLIC = ["Привет, мир", "Съешь же ещё этих мягких французских булок", "ЁЖИК"]
ARABIC = ["مرحبا بالعالم", "السلام عليكم", "١٢٣ عربي"]
CJK = ["你好世界", "東京タワーの写真", "한국어 텍스트", "日本語とEnglish混在", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ１２３"]
EMOJI = ["🙂", "I ❤️ NY", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "👍🏽 ok", "🇫🇷🇩🇪", "a🙂b"]
HTML = ["fish &amp; chips", "&lt;b&gt;bold&lt;/b&gt;", "caf&eacute;", "&EACUTE;T&EACUTE;",
        "&#233;t&#xE9;", "&amp;amp;", "&amp;lt;", "&notit;", "&copy 2020", "5 &lt 6",
        "&#128512;", "&#0;", "&#x110000;", "&#150;", "<p>caf&eacute;</p>", "&nbsp;x&nbsp;",
        "&unknown;", "AT&T", "&#59;", "Q&A &quot;quoted&quot;"]
MOJIBAKE = ["cafÃ©", "Ã©tÃ©", "naÃ¯ve", "donâ€™t", "â€œquotedâ€\x9d", "Ã¼ber",
            "ZÃ¼rich cafÃ© â€“ test", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "æ—¥æœ¬", "cafÃ© in Καλημέρα",
            "Ã", "Â£5", "â‚¬100"]
PUNCT = ["Hello, world!", "wait... what?!", "(parentheses) [brackets] {braces}",
         "e-mail: someone@example.com", "https://example.com/a?b=c&d=e", "#hashtag @user",
         "--dash-start", "¿Qué?", "«guillemets»", "“curly” ‘quotes’", "a\u2014b", "x=1+2*3/4",
         "<|startoftext|>", "<|endoftext|>", "a<|endoftext|>b", "!<|endoftext|>", "<|ENDOFTEXT|>"]
NUMBERS = ["3.14159", "1,000,000", "2024-01-01", "12:30pm", "100%", "0x1F", "½ ¾", "²³", "Ⅻ", "٣"]
SPACE = ["", " ", "   ", "\t", "\n", "\n\n \t ", "a\tb", "a\nb", "a\r\nb", "  leading", "trailing  ",
         "a\u00a0b", "a\u2003b", "a\u3000b", "a\u200bb", "a\u2028b", "line1\nline2\nline3",
         "\x1b[31mred\x1b[0m", "ﬁne ﬂow", "ŉ", "a\u0085b", "a\x1cb", "\x1c x \x1c"]
DECOMPOSED = ["cafe\u0301", "e\u0301te\u0301", "A\u030angstro\u0308m", "n\u0303", "\u0301alone"]
ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.!?'\"-"
            "éèüößçñÆØÅαβγΣπЖжЙ中文字日本語🙂🎉✓–—…©®™€£¥°•·")


def fixed_cases():
    out = []
    for group in (CONTRACTIONS, ACCENTED, GREEK, CYRILLIC, ARABIC, CJK, EMOJI, HTML, MOJIBAKE,
                  PUNCT, NUMBERS, SPACE, DECOMPOSED):
        out += group
    return out


def generated(n=400, seed=1234):
    rng = random.Random(seed)
    pools = [WORDS, CONTRACTIONS, ACCENTED, GREEK, CYRILLIC, ARABIC, CJK, EMOJI, HTML,
             MOJIBAKE, PUNCT, NUMBERS, DECOMPOSED]
    out = []
    for i in range(n):
        kind = i % 5
        if kind == 0:  # a caption-like sentence
            out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 15))).capitalize() + ".")
        elif kind == 1:  # a mix of pools
            parts = [rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 6))]
            out.append(rng.choice([" ", "", "  ", "\t", "\n"]).join(parts))
        elif kind == 2:  # random characters
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))))
        elif kind == 3:  # long: far over the context
            out.append(" ".join(rng.choice(WORDS + ACCENTED + CJK) for _ in range(rng.randint(60, 400))))
        else:  # one long word / punctuation run
            ch = rng.choice(["a", "ab", "!", "-", "字", "🙂", "9", "é"])
            out.append(ch * rng.randint(1, 300))
    return out


def corpus():
    return fixed_cases() + generated()


def escape(text):
    """The escaping fc_tok_batch reads: one text per line."""
    return (text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))
