//! The Chinese analyzer: jieba segmentation with the domain dictionary, over
//! folded text (traditional→simplified, full-width→half-width, lower-case).
//!
//! Index-time tokens are jieba's search-mode cut: every word of the default cut
//! plus the dictionary words inside it, so `日喀则` is found inside `日喀则市`.
//! A token's position counts the *characters* before it that are letters,
//! digits or ideographs, which keeps phrase queries exact whichever way a
//! word was split: a query phrase is matched by the character positions of
//! its words (see `search::query`). Punctuation and spaces take no position,
//! so a phrase matches across them as Lucene's analyzers do: "扶上马、送一程"
//! finds 扶上马，送一程 and 扶上马送一程. Byte offsets point into the
//! original, unfolded text.
//!
//! The second analyzer, [`CharTokenizer`], cuts the same folded text into
//! its CJK characters, for exact substring matching whatever jieba did to
//! the text (see [`cjk_chars`]).
//!
//! tantivy does not persist analyzers, so [`register`] must run wherever an
//! index is opened or created.

use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::Index;

use crate::normalize::{fold, fold_char, is_cjk};
use crate::vocabulary::{self, Vocabulary};

/// Name under which the analyzer is registered in every index.
pub const TOKENIZER_NAME: &str = "zh_v2";

/// The segmenter of the vocabulary entered on this thread (the searched
/// generation's, see [`vocabulary::current`]), or the built-in one.
pub fn jieba() -> Arc<Jieba> {
    vocabulary::current().jieba_arc()
}

/// One analysed token: folded text, character span, and byte span in the
/// original, and its position for phrases ([`takes_position`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub position: usize,
    pub char_start: usize,
    pub char_end: usize,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// True when a token carries meaning (not punctuation or spaces).
fn is_word(token: &str) -> bool {
    token.chars().any(takes_position)
}

/// Whether a character takes a phrase position and makes a token a word:
/// letters, digits and ideographs do; punctuation, symbols and spaces do
/// not.
///
/// Ideographs and ASCII are decided by range before `char::is_alphanumeric`,
/// whose Unicode table lookup showed in indexing profiles for every Chinese
/// token; the most common Chinese punctuation is rejected the same way.
pub fn takes_position(c: char) -> bool {
    if is_cjk(c) {
        true
    } else if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if matches!(
        c,
        '。' | '、'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '《'
            | '》'
            | '—'
            | '…'
            | '·'
            | '【'
            | '】'
            | '，'
            | '；'
            | '：'
            | '！'
            | '？'
            | '（'
            | '）'
    ) {
        false
    } else {
        c.is_alphanumeric()
    }
}

/// Segment `text` for matching, with the vocabulary entered on this thread.
/// With `search_mode`, sub-words are emitted too (index time); without it,
/// only the default cut (query time).
pub fn analyze(text: &str, search_mode: bool) -> Vec<Term> {
    analyze_with(&vocabulary::current(), text, search_mode)
}

/// [`analyze`] with a given vocabulary.
pub fn analyze_with(vocabulary: &Vocabulary, text: &str, search_mode: bool) -> Vec<Term> {
    let mut out = Vec::new();
    analyze_into(
        vocabulary.jieba(),
        text,
        search_mode,
        &mut Scratch::default(),
        &mut |t| out.push(t.clone()),
    );
    out
}

/// Buffers an analyzer reuses from one text to the next.
#[derive(Clone, Default)]
struct Scratch {
    /// The folded text.
    folded: String,
    /// Byte offset of every char boundary of the original text, and its length.
    byte_of: Vec<usize>,
    /// Phrase position at every char boundary ([`takes_position`]).
    position_of: Vec<usize>,
}

/// Characters that `fast2s` 0.3 converts or keeps depending on their
/// neighbours (its `T2S_EXCLUDE` and `T2S_SPECIAL_CONVERT_TYPE` tables).
/// Converting one of them alone does not show that it may change.
const T2S_CONTEXT_CHARS: &str = "兒覆夥藉瞭麽幺於乾著苧闔鍾讎畫";

/// A bitset over the BMP of the characters traditional→simplified
/// conversion may change: those `fast2s` maps, and [`T2S_CONTEXT_CHARS`].
/// Everything else it leaves as it is, whatever the neighbours (`fast2s`
/// looks only at three-byte characters, and at neighbours only for the
/// context characters).
fn t2s_candidates() -> &'static [u64] {
    static SET: OnceLock<Vec<u64>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = vec![0u64; 1024];
        let mut mark = |c: char| set[c as usize >> 6] |= 1 << (c as u32 & 63);
        let mut one = String::with_capacity(4);
        for c in ('\u{800}'..='\u{FFFF}').filter(|c| c.len_utf8() == 3) {
            one.clear();
            one.push(c);
            if fast2s::convert(&one) != one {
                mark(c);
            }
        }
        T2S_CONTEXT_CHARS.chars().for_each(mark);
        set
    })
}

/// [`fold`] into a reused buffer, the same text out. The conversion to
/// simplified characters, the costly part in indexing profiles, runs only
/// when a character of the text is one it can change; news and reports in
/// simplified Chinese seldom have one.
fn fold_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let candidates = t2s_candidates();
    let (mut cjk, mut convertible) = (false, false);
    for c in text.chars() {
        let c = fold_char(c);
        out.push(c);
        cjk |= is_cjk(c);
        let code = c as usize;
        convertible |= code < 0x10000 && candidates[code >> 6] >> (code & 63) & 1 == 1;
    }
    if cjk && convertible {
        *out = fast2s::convert(out);
    }
}

fn analyze_into(
    jieba: &Jieba,
    text: &str,
    search_mode: bool,
    scratch: &mut Scratch,
    sink: &mut dyn FnMut(&Term),
) {
    if text.is_empty() {
        return;
    }
    fold_into(text, &mut scratch.folded);
    let folded = scratch.folded.as_str();
    // Folding maps char to char, so char offsets in `folded` are char offsets in `text`.
    let (byte_of, position_of) = (&mut scratch.byte_of, &mut scratch.position_of);
    byte_of.clear();
    position_of.clear();
    let mut positions = 0;
    // Folding keeps whether a character takes a position, so the original
    // text is read once for both.
    for (i, c) in text.char_indices() {
        byte_of.push(i);
        position_of.push(positions);
        positions += usize::from(takes_position(c));
    }
    byte_of.push(text.len());
    position_of.push(positions);
    let words = if search_mode {
        jieba.cut_for_search(folded, false)
    } else {
        jieba.cut(folded, false)
    };
    let mut term = Term {
        text: String::new(),
        position: 0,
        char_start: 0,
        char_end: 0,
        byte_start: 0,
        byte_end: 0,
    };
    for word in words {
        if !is_word(word.word) {
            continue;
        }
        term.text.clear();
        term.text.push_str(word.word.trim());
        term.char_start = word.start;
        term.char_end = word.end;
        term.position = position_of[word.start.min(position_of.len() - 1)];
        term.byte_start = byte_of[word.start.min(byte_of.len() - 1)];
        term.byte_end = byte_of[word.end.min(byte_of.len() - 1)];
        sink(&term);
    }
}

/// The tantivy tokenizer, over the vocabulary of the generation it indexes
/// or searches. Cloning it is cheap: the segmenter is shared.
///
/// It remembers the last text it analysed. tantivy keeps one tokenizer per
/// field and indexing thread, and the title and article context of a report
/// repeat on every one of its paragraphs, which the writer indexes one after
/// another; an unchanged text is then not folded and segmented again.
#[derive(Clone)]
pub struct ChineseTokenizer {
    vocabulary: Arc<Vocabulary>,
    tokens: Vec<Token>,
    scratch: Scratch,
    /// The text `tokens[..n]` were analysed from, when `cached` is `Some(n)`.
    last_text: String,
    /// Cleared whenever a consumer may have changed a token.
    cached: Option<usize>,
}

impl ChineseTokenizer {
    pub fn new(vocabulary: Arc<Vocabulary>) -> ChineseTokenizer {
        ChineseTokenizer {
            vocabulary,
            tokens: Vec::new(),
            scratch: Scratch::default(),
            last_text: String::new(),
            cached: None,
        }
    }
}

impl Default for ChineseTokenizer {
    /// Over the built-in vocabulary.
    fn default() -> ChineseTokenizer {
        ChineseTokenizer::new(Vocabulary::built_in())
    }
}

/// Tokens of one text, produced eagerly into the tokenizer's reused buffer.
pub struct ChineseTokenStream<'a> {
    tokens: &'a mut [Token],
    index: Option<usize>,
    cached: &'a mut Option<usize>,
}

/// Texts longer than this (bytes) are not remembered: copying them would
/// cost more than it saves, and titles and contexts are short.
const CACHE_MAX_BYTES: usize = 4096;

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = ChineseTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ChineseTokenStream<'a> {
        if let Some(used) = self.cached {
            if self.last_text == text {
                return ChineseTokenStream {
                    tokens: &mut self.tokens[..used],
                    index: None,
                    cached: &mut self.cached,
                };
            }
        }
        let mut used = 0;
        let tokens = &mut self.tokens;
        let jieba = self.vocabulary.jieba();
        analyze_into(jieba, text, true, &mut self.scratch, &mut |term| {
            if used == tokens.len() {
                tokens.push(Token::default());
            }
            let token = &mut tokens[used];
            token.text.clear();
            token.text.push_str(&term.text);
            token.offset_from = term.byte_start;
            token.offset_to = term.byte_end;
            token.position = term.position;
            token.position_length = 1;
            used += 1;
        });
        self.cached = None;
        if text.len() <= CACHE_MAX_BYTES {
            self.last_text.clear();
            self.last_text.push_str(text);
            self.cached = Some(used);
        }
        ChineseTokenStream {
            tokens: &mut self.tokens[..used],
            index: None,
            cached: &mut self.cached,
        }
    }
}

impl TokenStream for ChineseTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let next = self.index.map_or(0, |i| i + 1);
        self.index = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index.unwrap_or(0)]
    }

    fn token_mut(&mut self) -> &mut Token {
        // A filter may rewrite the token: the buffer no longer matches the text.
        *self.cached = None;
        let i = self.index.unwrap_or(0);
        &mut self.tokens[i]
    }
}

/// Name under which the character analyzer is registered. The version is
/// part of the name: an index whose characters were cut otherwise names
/// another analyzer and is refused when opened (`index::schema::Fields`).
pub const CHARS_TOKENIZER_NAME: &str = "zh_chars_v2";

/// Calls `sink(position, character, byte_start, byte_end)` for every CJK
/// character of `folded`, the fold of `text`: the position counts the
/// characters before it that take one ([`takes_position`]), the character is cut from `folded`, the byte span points
/// into `text`. Latin letters, digits and punctuation give nothing: the
/// word field finds those.
fn cjk_chars_into(text: &str, folded: &str, sink: &mut dyn FnMut(usize, &str, usize, usize)) {
    let mut folded_chars = folded.char_indices();
    let mut position = 0;
    for (text_byte, original) in text.char_indices() {
        // Folding maps char to char, so the two walks stay in step.
        let Some((folded_byte, c)) = folded_chars.next() else {
            return;
        };
        let this = position;
        position += usize::from(takes_position(c));
        if is_cjk(c) {
            sink(
                this,
                &folded[folded_byte..folded_byte + c.len_utf8()],
                text_byte,
                text_byte + original.len_utf8(),
            );
        }
    }
}

/// The characters the character analyzer indexes for `text`, with their
/// positions (character offsets): what an exact-substring query of `text`
/// looks up.
///
/// ```
/// let chars = aidsearch::tokenizer::cjk_chars("電子，O2O商务");
/// let expected = [(0, "电"), (1, "子"), (5, "商"), (6, "务")];
/// assert_eq!(chars, expected.map(|(p, c)| (p, c.to_string())));
/// ```
pub fn cjk_chars(text: &str) -> Vec<(usize, String)> {
    let folded = fold(text);
    let mut out = Vec::new();
    cjk_chars_into(text, &folded, &mut |position, c, _, _| {
        out.push((position, c.to_string()))
    });
    out
}

/// The character analyzer, over text folded as [`ChineseTokenizer`] folds
/// it: every CJK character is a token at its character offset, so a phrase
/// of characters matches any run of them exactly, wherever jieba's words
/// start and end.
///
/// Characters rather than overlapping bigrams: on the aid subcorpus bigrams
/// made a reindex take 70–85% more CPU (268,000 distinct terms, a miss in
/// tantivy's term hash table for most tokens) and the index 56% larger;
/// characters cost 20% more instructions and 31% more bytes, and a phrase
/// of common characters is slower to search (BENCHMARKS.md).
#[derive(Clone, Default)]
pub struct CharTokenizer {
    tokens: Vec<Token>,
    folded: String,
}

/// Tokens of one text, produced eagerly into the character tokenizer's buffer.
pub struct CharTokenStream<'a> {
    tokens: &'a mut [Token],
    index: Option<usize>,
}

/// Put the next token in `tokens[*used]`.
fn push_char_token(
    tokens: &mut Vec<Token>,
    used: &mut usize,
    position: usize,
    c: &str,
    from: usize,
    to: usize,
) {
    if *used == tokens.len() {
        tokens.push(Token::default());
    }
    let token = &mut tokens[*used];
    token.text.clear();
    token.text.push_str(c);
    token.offset_from = from;
    token.offset_to = to;
    token.position = position;
    token.position_length = 1;
    *used += 1;
}

impl Tokenizer for CharTokenizer {
    type TokenStream<'a> = CharTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharTokenStream<'a> {
        // Folding changes a CJK character only by the conversion to
        // simplified characters, which changes only its candidates: without
        // one among the CJK characters, they are indexed as they stand, and
        // the text is not folded a second time (the word field folds it too;
        // folding again was a quarter of this field's indexing instructions).
        let candidates = t2s_candidates();
        let (tokens, mut used, mut fold) = (&mut self.tokens, 0, false);
        let mut position = 0;
        for (byte, c) in text.char_indices() {
            if !is_cjk(c) {
                // Folding keeps whether a character takes a position.
                position += usize::from(takes_position(c));
                continue;
            }
            let code = c as usize;
            if code < 0x10000 && candidates[code >> 6] >> (code & 63) & 1 == 1 {
                fold = true;
                break;
            }
            let to = byte + c.len_utf8();
            push_char_token(tokens, &mut used, position, &text[byte..to], byte, to);
            position += 1;
        }
        if fold {
            used = 0;
            fold_into(text, &mut self.folded);
            cjk_chars_into(text, &self.folded, &mut |position, c, from, to| {
                push_char_token(tokens, &mut used, position, c, from, to)
            });
        }
        CharTokenStream {
            tokens: &mut self.tokens[..used],
            index: None,
        }
    }
}

impl TokenStream for CharTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let next = self.index.map_or(0, |i| i + 1);
        self.index = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index.unwrap_or(0)]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index.unwrap_or(0)]
    }
}

/// Register the analyzers, the word analyzer over the generation's
/// vocabulary, on an index. Call after every create or open.
pub fn register(index: &Index, vocabulary: &Arc<Vocabulary>) {
    let tokenizers = index.tokenizers();
    tokenizers.register(TOKENIZER_NAME, ChineseTokenizer::new(vocabulary.clone()));
    tokenizers.register(CHARS_TOKENIZER_NAME, CharTokenizer::default());
}

/// Load the built-in segmenter and the conversion table now rather than on
/// the first query, so a server pays the cost before it starts serving.
pub fn warm_up() {
    let _ = Vocabulary::built_in();
    let _ = t2s_candidates();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;

    fn texts(text: &str, search_mode: bool) -> Vec<String> {
        analyze(text, search_mode)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn subword_recall_in_search_mode() {
        let tokens = texts("抵达日喀则市昂仁县", true);
        assert!(tokens.contains(&"日喀则市".to_string()), "{tokens:?}");
        assert!(tokens.contains(&"日喀则".to_string()), "{tokens:?}");
    }

    #[test]
    fn positions_are_char_offsets_and_offsets_are_bytes() {
        let text = "援藏干部在拉萨";
        for term in analyze(text, true) {
            let original: String = text
                .chars()
                .skip(term.char_start)
                .take(term.char_end - term.char_start)
                .collect();
            assert_eq!(&text[term.byte_start..term.byte_end], original);
        }
    }

    #[test]
    fn offsets_point_into_unfolded_text() {
        let text = "展銷Ｏ２Ｏ中心";
        let terms = analyze(text, false);
        let o2o = terms.iter().find(|t| t.text == "o2o").expect("o2o token");
        assert_eq!(&text[o2o.byte_start..o2o.byte_end], "Ｏ２Ｏ");
    }

    #[test]
    fn latin_and_mixed_tokens_lowercase() {
        let tokens = texts("开发APP与5G，创建4A级景区，2020年", false);
        for expected in ["app", "5g", "4a", "2020"] {
            assert!(
                tokens.contains(&expected.to_string()),
                "{expected} in {tokens:?}"
            );
        }
    }

    #[test]
    fn domain_words_stay_whole() {
        for word in ["援藏", "对口支援", "先心病", "易地扶贫搬迁"] {
            let tokens = texts(&format!("{word}，"), false);
            assert!(tokens.contains(&word.to_string()), "{word} in {tokens:?}");
        }
    }

    #[test]
    fn token_stream_reuses_buffer() {
        let mut tokenizer = ChineseTokenizer::default();
        let mut count = 0;
        let mut stream = tokenizer.token_stream("饮用水检测");
        while stream.advance() {
            count += 1;
        }
        assert!(count >= 2);
        let mut stream = tokenizer.token_stream("");
        assert!(!stream.advance());
    }

    fn stream_tokens(tokenizer: &mut ChineseTokenizer, text: &str) -> Vec<Token> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().clone());
        }
        out
    }

    #[test]
    fn repeated_text_gives_the_same_tokens() {
        let mut tokenizer = ChineseTokenizer::default();
        let title = "山东省援藏干部在日喀则市开展医疗帮扶";
        let first = stream_tokens(&mut tokenizer, title);
        assert!(first.len() > 3, "{first:?}");
        assert_eq!(stream_tokens(&mut tokenizer, title), first);
        let other = stream_tokens(&mut tokenizer, "拉萨海关开展饮用水检测");
        assert_ne!(other, first);
        assert_eq!(stream_tokens(&mut tokenizer, title), first);
        // What a fresh tokenizer makes is what the remembering one returns.
        assert_eq!(
            stream_tokens(&mut ChineseTokenizer::default(), title),
            first
        );
    }

    #[test]
    fn a_changed_token_is_not_reused() {
        let mut tokenizer = ChineseTokenizer::default();
        let text = "援藏干部在拉萨";
        let pristine = stream_tokens(&mut tokenizer, text);
        {
            let mut stream = tokenizer.token_stream(text);
            while stream.advance() {
                stream.token_mut().text.push('!');
            }
        }
        assert_eq!(stream_tokens(&mut tokenizer, text), pristine);
    }

    #[test]
    fn fold_into_is_fold() {
        let mut all_cjk: String = ('\u{4E00}'..='\u{9FFF}').collect();
        all_cjk.push_str("ＡＢＣ　１２３");
        let mut texts = vec![
            all_cjk.chars().rev().collect::<String>(),
            all_cjk,
            "医疗援藏 APP 5G，4A级景区，２０２０年".to_string(),
            "醫療援藏 Ｏ２Ｏ展銷中心".to_string(),
            "看著他，憑藉，藉口，狼藉，慰藉，答覆，批覆，乾隆，乾坤，乾淨，計畫，企畫，畫家"
                .to_string(),
            "兒寬 於是 樊於期 瞭望 明瞭 幺麽 苧麻 闔家 鍾書 校讎 甚夥 夥伴".to_string(),
            String::new(),
            "ascii only, no CJK: Lhasa".to_string(),
        ];
        for c in T2S_CONTEXT_CHARS.chars() {
            texts.push(format!("{c}"));
            texts.push(format!("看{c}口"));
        }
        let mut out = String::new();
        for text in &texts {
            fold_into(text, &mut out);
            assert_eq!(out, fold(text), "{text}");
        }
    }

    #[test]
    fn conversion_leaves_every_other_character_alone() {
        let candidates = t2s_candidates();
        let others: String = ('\u{800}'..='\u{FFFF}')
            .filter(|c| c.len_utf8() == 3)
            .filter(|&c| candidates[c as usize >> 6] >> (c as u32 & 63) & 1 == 0)
            .collect();
        assert!(others.chars().count() > 50_000);
        assert_eq!(fast2s::convert(&others), others);
    }

    #[test]
    fn is_word_matches_the_unicode_definition() {
        let reference = |t: &str| t.chars().any(|c| c.is_alphanumeric() || is_cjk(c));
        for token in [
            "援藏", "，", "。", "、", "“", "》", "—", "…", "·", " ", "a", "5", "-", "々", "〇",
            "ⅷ", "é", "①", "㐀", "％", "【", "x。",
        ] {
            assert_eq!(is_word(token), reference(token), "{token:?}");
        }
    }

    #[test]
    fn cjk_chars_are_the_cjk_characters_at_their_positions() {
        // Punctuation and spaces take no position; letters and digits do.
        let chars = cjk_chars("援藏，第5批 O2O中心");
        let expected = [
            (0, "援"),
            (1, "藏"),
            (2, "第"),
            (4, "批"),
            (8, "中"),
            (9, "心"),
        ];
        assert_eq!(chars, expected.map(|(p, c)| (p, c.to_string())));
        assert!(cjk_chars("O2O, 2020").is_empty());
        assert!(cjk_chars("").is_empty());
        assert_eq!(cjk_chars("醫"), vec![(0, "医".to_string())]);
    }

    #[test]
    fn char_tokens_are_the_characters_with_offsets_into_the_original() {
        let text = "拉薩海關，ＡＰＰ技術中心";
        let mut tokenizer = CharTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            let t = stream.token();
            tokens.push((
                t.position,
                t.text.clone(),
                &text[t.offset_from..t.offset_to],
            ));
        }
        let chars = cjk_chars(text);
        assert_eq!(tokens.len(), chars.len());
        for ((position, c, original), (p, expected)) in tokens.iter().zip(&chars) {
            assert_eq!((position, c), (p, expected));
            assert_eq!(fold(original), *c);
        }
        assert_eq!(tokens[1].2, "薩");
        assert_eq!(tokens.last().map(|t| t.2), Some("心"));
    }

    #[test]
    fn char_tokens_fold_like_the_text_with_or_without_a_convertible_character() {
        let mut texts = vec![
            "援藏干部在拉萨，ＡＰＰ与5G".to_string(),
            "醫療援藏 Ｏ２Ｏ展銷中心".to_string(),
            "看著他，憑藉，藉口，乾隆，乾淨，計畫".to_string(),
            String::new(),
        ];
        texts.extend(T2S_CONTEXT_CHARS.chars().map(|c| format!("援藏{c}口")));
        let mut tokenizer = CharTokenizer::default();
        for text in &texts {
            let mut stream = tokenizer.token_stream(text);
            let mut tokens = Vec::new();
            while stream.advance() {
                tokens.push((stream.token().position, stream.token().text.clone()));
            }
            assert_eq!(tokens, cjk_chars(text), "{text}");
        }
    }
}
