//! Facet extraction: region (where the aid goes), donor (who gives it), sector,
//! year and funding for each paragraph, with the words that produced each
//! label so a reviewer can check them (`aidsearch facets --explain`).
//!
//! Places come from the gazetteer; a place is a donor only when the text says
//! so (`淄博市第九批援藏工作组`, `山东援藏`, `重庆市委…部署`), or when a pair's
//! short name names it (`闽宁协作`: its pairs are in `data/programmes.toml`;
//! this paragraph only). Some mentions are
//! no region: a dateline (`本报拉萨讯`), a customs district (`拉萨海关` serves all
//! of Tibet), and, in an article about Tibet, any place outside Tibet that is
//! not a donor (a venue such as `在济南举办`, a partner such as `成都科技企业孵化器`).
//! A paragraph without a place or year of its own inherits its article's, when
//! the article has one clear one; a village scene without a place goes on in
//! the one county its story has named before it (`story_places`); a
//! paragraph that names only an ancestor of the article's place (a bare
//! `西藏` in an article about 日喀则) takes the article's deeper place. A
//! paragraph about a programme's givers at large (`19个援疆省市`) inherits no
//! donor: it is not about the article's one.

mod cells;
pub mod funding;
pub mod givers;
pub mod pairings;
pub mod programme;
pub mod sector;
pub mod stories;
pub mod year;

use std::cell::OnceCell;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::corpus::{Paragraph, Report};
use crate::facet::FacetKind;
use crate::gazetteer::Gazetteer;

/// The labels of one paragraph.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Labels {
    /// Gazetteer paths of the places that receive aid, deepest only.
    pub region: Vec<String>,
    /// Gazetteer paths of the places that give it.
    pub donor: Vec<String>,
    pub sector: Vec<String>,
    pub year: Vec<i32>,
    /// Aid programmes (`data/programmes.toml`).
    pub programme: Vec<String>,
    /// The year of the report's date.
    pub report_year: Vec<i32>,
    /// Amounts of money put into the work (not sales, output or prices), in yuan.
    pub funding: Vec<f64>,
    /// Why each label was given: `kind value ← words`.
    #[serde(skip)]
    pub evidence: Vec<String>,
}

impl Labels {
    /// The values of one facet, as the index stores them.
    pub fn values(&self, kind: FacetKind) -> Vec<String> {
        match kind {
            FacetKind::Region => self.region.clone(),
            FacetKind::Donor => self.donor.clone(),
            FacetKind::Sector => self.sector.clone(),
            FacetKind::Year => self.year.iter().map(i32::to_string).collect(),
            FacetKind::Programme => self.programme.clone(),
            FacetKind::ReportYear => self.report_year.iter().map(i32::to_string).collect(),
        }
    }

    /// Set one facet's values from what the index stored; `None` when a
    /// number facet holds something else.
    pub fn set_values(&mut self, kind: FacetKind, values: Vec<String>) -> Option<()> {
        match kind {
            FacetKind::Region => self.region = values,
            FacetKind::Donor => self.donor = values,
            FacetKind::Sector => self.sector = values,
            FacetKind::Year => self.year = numbers(&values)?,
            FacetKind::Programme => self.programme = values,
            FacetKind::ReportYear => self.report_year = numbers(&values)?,
        }
        Some(())
    }
}

/// Whole numbers as the index stores them, or `None` if one is not.
fn numbers(values: &[String]) -> Option<Vec<i32>> {
    values.iter().map(|v| v.parse().ok()).collect()
}

/// Words of paired aid: after a place (within a few characters) they make it
/// the giver (`济南援藏援建`, `重庆医疗团队援藏`).
const PAIRED_AID: [&str; 8] = [
    "援藏",
    "援疆",
    "援青",
    "援建",
    "援派",
    "对口支援",
    "对口帮扶",
    "对口援",
];
/// Whether `text` has a word of [`PAIRED_AID`]. Each of them has a 援 or a
/// 帮 in it: most texts are ruled out by looking for those two characters
/// instead of searching for the eight words.
fn has_paired_aid(text: &str) -> bool {
    (text.contains('援') || text.contains('帮')) && PAIRED_AID.iter().any(|w| text.contains(w))
}
/// Generic words of giving: after a place they make it the giver, unless the
/// place is a location (`在湖北省…开展支援`).
const GIVING: [&str; 4] = ["支援", "援助", "帮扶", "捐赠"];
/// Words of a team sent in batches (`淄博市第九批援藏工作组`), not of goods
/// (`武汉第二批物资`).
const TEAM: [&str; 7] = ["援", "干部", "医疗队", "工作组", "工作队", "专家", "人才"];
/// Words right before a place that make it the receiver of aid (`援类乌齐县`,
/// `驰援武汉`, `对口支援昌都`).
const RECEIVER_BEFORE: [&str; 5] = ["援", "援助", "帮扶", "对口", "支持"];
/// Words right before a place that make it a location, which generic words of
/// giving do not turn into a giver.
const LOCATION_BEFORE: [&str; 12] = [
    "在", "到", "赴", "抵达", "前往", "向", "给", "为", "来", "去", "驻", "回",
];
/// Words that end in one of [`LOCATION_BEFORE`] but say no location:
/// `成为镇江市援疆指挥组副组长` becomes a giver's member, `得到对口省份的帮扶`
/// receives from a giver.
const NOT_LOCATION: [&str; 33] = [
    "成为", "作为", "认为", "因为", "称为", "以为", "视为", "评为", "列为", "行为", "更为", "最为",
    "较为", "极为", "尤为", "以来", "未来", "原来", "后来", "本来", "从来", "近来", "起来", "带来",
    "将来", "过去", "失去", "得到", "受到", "达到", "感到", "看到", "收到",
];
/// Whether `before` ends in a location word (`在`, `前往`), not in a word
/// that merely ends like one (`成为`).
fn ends_in_location_word(before: &str) -> bool {
    LOCATION_BEFORE.iter().any(|w| before.ends_with(w))
        && !NOT_LOCATION.iter().any(|w| before.ends_with(w))
}
/// Words right before a place that make it the giver of aid, with 干部 after it.
const DONOR_BEFORE: [&str; 3] = ["来自", "从", "由"];
/// A place is the article's (without a title or sidecar) only where one in
/// this many of its paragraphs names it: a government work report of a
/// hundred paragraphs that names 玉树 once, for its rebuilding, is not about 玉树.
const REGION_SHARE: usize = 20;
/// Paragraphs that must name a donor for it to be the article's (without a title or sidecar).
const DONOR_SUPPORT: usize = 2;
/// …and at least one in this many of its paragraphs: a government work
/// report of a hundred paragraphs that says 中央财政 gives in two of them is
/// no report about the centre's aid.
const DONOR_SHARE: usize = 8;
/// Longest earlier list item (in characters) a location word reaches over.
const LOCATION_WINDOW: usize = 6;
/// How far after a place (in characters) a word of aid may follow.
const DONOR_WINDOW: usize = 8;
/// Characters that end a clause.
const CLAUSE_END: [char; 11] = [
    '，', '。', '；', '：', '！', '？', '、', ',', ';', ':', '\n',
];

/// Words after a place that make it a venue or a starting point, not where
/// the aid goes nor who gives it: a meeting held there (`在乌鲁木齐召开`,
/// `在北京举行的对口支援新疆工作会议`), people setting out from it (`从北京出发`).
const VENUE_VERBS: [&str; 8] = [
    "召开", "举行", "举办", "开幕", "闭幕", "启动", "上演", "首映",
];
/// What a venue hosts: a meeting, a fair, a forum, a ceremony or a show.
/// Not a village's own rite (开犁仪式) nor a show brought to a county
/// (慰问演出), which are where the work is.
const MEETINGS: [&str; 15] = [
    "会议",
    "大会",
    "座谈会",
    "推进会",
    "论坛",
    "洽谈会",
    "博览会",
    "发布会",
    "联席会",
    "晚会",
    "典礼",
    "启动仪式",
    "颁奖",
    "展览",
    "首映",
];
const DEPARTURE: [&str; 3] = ["出发", "启程", "集结"];
/// Words right before a place that make it a stop or an end of a route
/// (`途经吐鲁番、和田`, `东起福州，西至银川`): a railway's or a road's course,
/// not where aid goes.
const ROUTE_BEFORE: [&str; 12] = [
    "途经", "途径", "起自", "终至", "东起", "西起", "南起", "北起", "东至", "西至", "南至", "北至",
];
/// Words right before a place that make it the point a distance is
/// measured from (`距西宁市200公里`).
const DISTANCE_BEFORE: [&str; 3] = ["距离", "距", "离"];

/// Most characters of its clause a context rule reads on either side of a
/// mention. Every rule looks only a few words away; reading to the clause's
/// end made labelling quadratic in a paragraph with no punctuation at all.
const CONTEXT_CHARS: usize = 80;

/// Where the [`CONTEXT_CHARS`] characters before `start` begin.
fn window_start(text: &str, start: usize) -> usize {
    text[..start]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i)
}

/// The clause around the mention at `start..end`, at most [`CONTEXT_CHARS`]
/// characters on either side: (its start, its end).
fn clause_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let window_start = window_start(text, start);
    let clause_start = text[window_start..start]
        .rfind(CLAUSE_END)
        .map_or(window_start, |at| {
            let at = window_start + at;
            at + text[at..].chars().next().map_or(1, char::len_utf8)
        });
    let window_end = text[end..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(text.len(), |(i, _)| end + i);
    let clause_end = text[end..window_end]
        .find(CLAUSE_END)
        .map_or(window_end, |at| end + at);
    (clause_start, clause_end)
}

/// Whether the mention at `start..end` is a meeting's venue, a starting
/// point, a stop or an end of a route, or the origin of a distance. A place
/// where training or other work is held (`在隆子县举行培训`) stays a region.
fn is_venue(text: &str, start: usize, end: usize) -> bool {
    let (clause_start, clause_end) = clause_bounds(text, start, end);
    let after = &text[end..clause_end];
    let near: String = after.chars().take(8).collect();
    let meeting = VENUE_VERBS.iter().any(|v| after.contains(v))
        && MEETINGS
            .iter()
            .any(|m| text[clause_start..clause_end].contains(m));
    meeting
        || DEPARTURE.iter().any(|w| near.contains(w))
        || DISTANCE_BEFORE.iter().any(|w| text[..start].ends_with(w))
        || is_on_route(text, start)
}

/// Words before a place that make it a dateline (`本报拉萨讯`, `新华社拉萨6月1日电`).
const DATELINE_BEFORE: [&str; 5] = ["本报", "新华社", "中新社", "中新网", "人民网"];
/// Words right after a place that make it part of the name of an organisation
/// whose reach is wider than the place (`拉萨海关` serves all of Tibet).
const WIDER_ORGANISATION: [&str; 1] = ["海关"];

/// Whether the place at `start..end` is the dateline of a news item.
fn is_dateline(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let after = text[end..].trim_start();
    DATELINE_BEFORE.iter().any(|w| before.ends_with(w))
        && (after.starts_with(['讯', '电']) || after.starts_with(|c: char| c.is_ascii_digit()))
}

/// Whether a word of aid after `gap` opens the next item of a list rather
/// than saying what the place before `gap` does: `宁夏4个自治区和对口支援新疆的
/// 有关省市`, `册亨县和对口帮扶的宁波市江北区` (a conjunction, then the word).
fn opens_next_item(gap: &str) -> bool {
    gap.strip_suffix("对口")
        .unwrap_or(gap)
        .ends_with(['和', '及', '与'])
}

/// Whether the place mentioned at `start..end` of `text` is named as a donor.
fn is_donor_context(text: &str, start: usize, end: usize) -> bool {
    let (clause_start, clause_end) = clause_bounds(text, start, end);
    let before = &text[clause_start..start];
    if RECEIVER_BEFORE.iter().any(|w| before.ends_with(w)) {
        return false;
    }
    let clause = &text[end..clause_end];
    let prefix = |n: usize| {
        clause
            .char_indices()
            .nth(n)
            .map_or(clause, |(i, _)| &clause[..i])
    };
    let near = prefix(DONOR_WINDOW);
    let batch = prefix(2 * DONOR_WINDOW);
    let ordinal_batch =
        near.starts_with('第') && near.contains('批') && TEAM.iter().any(|w| batch.contains(w));
    if ordinal_batch {
        return true;
    }
    let location = is_location(list_before(text, start));
    // After a location word only paired aid right after the place makes a
    // giver (`在山东援藏干部的帮助下`, not `在武汉市新洲区对口支援医院`).
    let paired_within = if location { 2 } else { DONOR_WINDOW };
    let paired = prefix(paired_within + 3);
    if PAIRED_AID.iter().any(|w| {
        paired.find(w).is_some_and(|i| {
            paired[..i].chars().count() <= paired_within && !opens_next_item(&paired[..i])
        })
    }) {
        return true;
    }
    if !location
        && GIVING
            .iter()
            .any(|w| near.find(w).is_some_and(|i| !opens_next_item(&near[..i])))
    {
        return true;
    }
    // `重庆市委、市政府…部署`: the place's own government sends the aid, in a
    // text about paired aid (elsewhere it is a local government at home).
    let own_government = ["委", "市委", "省委", "政府", "市政府", "省政府"]
        .iter()
        .any(|w| clause.starts_with(w));
    if own_government && has_paired_aid(text) {
        return true;
    }
    DONOR_BEFORE.iter().any(|w| before.ends_with(w)) && batch.contains("干部")
}

/// Words after a giver that is no place that make it give: it puts money in
/// (`中央财政累计投入`, `安排扶持资金`) or takes on designated aid (`人民军队
/// …定点帮扶`, `中央单位定点扶贫`), lends it (`农发行投放…贷款`) or stations
/// its people there (`铁路武汉局派驻…的驻村书记`). Not `派出`: inspection
/// teams and guidance groups are sent out far more often than aid cadres.
const GIVER_SPENDING: [&str; 10] = [
    "投入",
    "安排",
    "下达",
    "拨付",
    "投放",
    "派驻",
    "定点扶贫",
    "定点帮扶",
    "支持",
    "支援",
];

/// What joins the items of a list (`山东、江苏`, `湖北和武汉`).
const LIST_SEPARATORS: [char; 4] = ['、', '和', '及', '与'];

/// Whether a giver ending at `end` puts money or designated aid in, within
/// its clause and a few words.
fn is_giver_spending(text: &str, end: usize) -> bool {
    let near = clause_ahead(text, end, 2 * DONOR_WINDOW);
    GIVER_SPENDING.iter().any(|w| near.contains(w))
}

/// At most `chars` characters after `end`, within its clause.
fn clause_ahead(text: &str, end: usize, chars: usize) -> &str {
    let (_, clause_end) = clause_bounds(text, end, end);
    let rest = &text[end..clause_end];
    rest.char_indices()
        .nth(chars)
        .map_or(rest, |(i, _)| &rest[..i])
}

/// How far after a budget its funds may be named (`中央财政衔接推进乡村振兴
/// 补助资金` is ten characters from 资金).
const FUNDS_WINDOW: usize = 12;

/// Whether the giver at `range` is a budget (`中央财政`, `中央和地方财政`)
/// that names its funds (`中央财政扶贫资金增长`): money it gives,
/// whatever the clause then says of it. A ministry's 项目资金 is a grant won,
/// not aid (the seed labels).
fn is_budget_funds(text: &str, range: std::ops::Range<usize>) -> bool {
    if !text[range.clone()].ends_with("财政") {
        return false;
    }
    clause_ahead(text, range.end, FUNDS_WINDOW).contains("资金")
}

/// Words anywhere in its sentence that make a giver that is no place, standing
/// as the sentence's subject, give (besides [`GIVING`] and [`PAIRED_AID`]):
/// money (lent too: `农发行最新数据显示，…累计投放扶贫贷款`) and designated
/// aid, not policy wording (`支持`, `安排部署`).
const SUBJECT_GIVING: [&str; 6] = ["投入", "下达", "拨付", "投放", "定点扶贫", "定点帮扶"];
/// Longest lead (in characters, ending in `，`) before the subject of a
/// sentence: a time or a source (`日前，`, `2017年，`, `五年来，`).
const SUBJECT_LEAD: usize = 8;
/// Characters that end a sentence.
const SENTENCE_END: [char; 4] = ['。', '！', '？', '\n'];

/// Whether the giver at `start..end` is the subject of a sentence that says
/// it gives, in any of its clauses (`人民军队传承发扬…传统，就近、就地定点帮扶
/// 4100个贫困村`; `日前，教育部会同…启动援藏援疆万名教师支教计划`): the
/// clause rule ([`is_giver_spending`]) stops at the first comma.
fn is_giving_subject(text: &str, start: usize, end: usize) -> bool {
    // A count is part of the subject (`320个中央和国家机关等单位…结对，定点帮扶`).
    let lead = without_count(&text[sentence_start(text, start)..start]);
    let subject = lead.is_empty() || (lead.ends_with('，') && lead.chars().count() <= SUBJECT_LEAD);
    if !subject {
        return false;
    }
    let sentence_end = text[end..]
        .find(SENTENCE_END)
        .map_or(text.len(), |at| end + at);
    let sentence = &text[end..sentence_end];
    GIVING
        .iter()
        .chain(&PAIRED_AID)
        .chain(&SUBJECT_GIVING)
        .any(|w| sentence.contains(w))
}

/// Where the sentence holding `start` begins: after the last [`SENTENCE_END`]
/// before it, read at most [`CONTEXT_CHARS`] back (further back, the window's
/// start: every caller only asks what stands a few words before `start`, and
/// a paragraph with no punctuation must not make labelling quadratic).
fn sentence_start(text: &str, start: usize) -> usize {
    let from = window_start(text, start);
    text[from..start].rfind(SENTENCE_END).map_or(from, |at| {
        from + at + text[from + at..].chars().next().map_or(1, char::len_utf8)
    })
}

/// Words that open a predicate right after its subject: an adverb of time
/// or manner, a preposition or a verb of giving (`国家累计投入`,
/// `中央先后选派`), so that a common name (国家, 中央) stands as the subject
/// and not as the first word of a longer name (`国家扶贫工作重点县`).
const PREDICATE_START: [&str; 20] = [
    "累计", "持续", "先后", "陆续", "每年", "已", "共", "还", "又", "将", "专门", "大力", "加大",
    "为", "向", "投入", "下达", "拨付", "安排", "选派",
];

/// Whether `rest` opens with a predicate (see [`PREDICATE_START`]).
fn starts_predicate(rest: &str) -> bool {
    PREDICATE_START.iter().any(|w| rest.starts_with(w))
}

/// `text` without a count at its end (`320个`, `1.2万名`, `三十多家`): the
/// number and measure word before a noun.
fn without_count(text: &str) -> &str {
    let Some(rest) = text.strip_suffix(['个', '家', '名', '支', '批']) else {
        return text;
    };
    let number = rest.trim_end_matches(|c: char| {
        c.is_ascii_digit() || c == '.' || "一二三四五六七八九十百千万两多余".contains(c)
    });
    if number.len() == rest.len() {
        text
    } else {
        number
    }
}

/// Whether the giver at `start..end` and the programme right after it are
/// one item of a list of programme names (`东西部扶贫协作、中央单位定点扶贫、
/// 军队扶贫`): a policy that names the programme, not a unit giving.
fn is_programme_list_item(text: &str, start: usize, end: usize) -> bool {
    let Some(rest) = ["定点扶贫", "定点帮扶"]
        .iter()
        .find_map(|w| text[end..].strip_prefix(w))
    else {
        return false;
    };
    let rest = rest.trim_start_matches(['工', '作']);
    rest.starts_with(LIST_SEPARATORS) || text[..start].ends_with(LIST_SEPARATORS)
}

/// Whether the text between two mentions makes them items of one list: list
/// separators, at most a short tail of the first item (`部委`) and short
/// items that are no mention (`17个对口支援省市`), and no end of a clause.
fn is_list_gap(gap: &str) -> bool {
    if gap.is_empty() || !gap.contains(LIST_SEPARATORS) || gap.chars().count() > 24 {
        return false;
    }
    if gap.contains(|c: char| c != '、' && CLAUSE_END.contains(&c)) {
        return false;
    }
    let mut pieces = gap.split(LIST_SEPARATORS);
    let first = pieces.next().unwrap_or_default();
    first.chars().count() <= 4 && pieces.all(|item| item.chars().count() <= 10)
}

/// Whether the text `before` a place makes it a location (`在武汉`), also as
/// a later item of a list (`前往湖北和武汉`, `在拉萨、日喀则`).
fn is_location(before: &str) -> bool {
    let mut rest = before;
    for _ in 0..3 {
        if ends_in_location_word(rest) {
            return true;
        }
        // Step over one earlier list item: a separator and a short name.
        let Some(item) = rest.strip_suffix(LIST_SEPARATORS) else {
            return false;
        };
        let mut chars = item.char_indices().rev().take(LOCATION_WINDOW);
        rest = loop {
            match chars.next() {
                Some((i, _)) if ends_in_location_word(&item[..i]) => {
                    break &item[..i];
                }
                Some(_) => continue,
                None => return false,
            }
        };
    }
    false
}

/// Whether the place at `start` is on a route: after a route word
/// ([`ROUTE_BEFORE`]) and nothing but short list items or a province's name
/// (`途经吐鲁番、和田、哈密`, `东起…福州`). The end of a route (`西至银川`)
/// counts only after its start (`东起…`): in `…西至和田的专列`, …西 is a
/// station's name and 和田 the train's destination.
fn is_on_route(text: &str, start: usize) -> bool {
    let before = list_before(text, start);
    let found = ROUTE_BEFORE
        .iter()
        .filter_map(|w| before.rfind(w).map(|at| (at, *w)))
        .max_by_key(|(at, _)| *at);
    let Some((at, word)) = found else {
        return false;
    };
    let items = &before[at + word.len()..];
    let short_items = items
        .split(LIST_SEPARATORS)
        .all(|item| item.chars().count() <= ROUTE_ITEM);
    if !short_items {
        return false;
    }
    if !word.ends_with('至') {
        return true;
    }
    let sentence = &text[sentence_start(text, start)..start];
    ROUTE_START.iter().any(|w| sentence.contains(w))
}

/// Longest list item (in characters) between a route word and a place.
const ROUTE_ITEM: usize = 6;
/// Words that start a route, which an end (`西至`) needs before it.
const ROUTE_START: [&str; 5] = ["东起", "西起", "南起", "北起", "起自"];

/// The text before `start` back to the end of the previous clause, reading
/// over enumeration commas (`途经吐鲁番、和田、` before 哈密), at most
/// [`CONTEXT_CHARS`] characters.
fn list_before(text: &str, start: usize) -> &str {
    let window_start = window_start(text, start);
    let window = &text[window_start..start];
    match window.rfind(|c: char| c != '、' && CLAUSE_END.contains(&c)) {
        Some(at) => &window[at + window[at..].chars().next().map_or(1, char::len_utf8)..],
        None => window,
    }
}

/// Keep only the deepest paths: `西藏自治区` goes when `西藏自治区/日喀则市` is there.
fn deepest(mut paths: Vec<String>) -> Vec<String> {
    paths.sort();
    paths.dedup();
    let all = paths.clone();
    paths.retain(|p| {
        !all.iter().any(|q| {
            q.len() > p.len() && q.starts_with(p.as_str()) && q[p.len()..].starts_with('/')
        })
    });
    paths
}

/// The places of one text, sorted by role.
#[derive(Debug, Default)]
struct Found {
    /// Places in an area paired aid goes to (`programme::paired_recipients`),
    /// deepest only.
    paired: Vec<String>,
    /// Places elsewhere that are not donors, deepest only.
    elsewhere: Vec<String>,
    /// Recipients named by a programme's word (援疆 → 新疆) where no place
    /// inside them is named: the region when the text names none of its own,
    /// never the article's place.
    implied: Vec<String>,
    /// Donors, deepest only.
    donors: Vec<String>,
    /// `region …`/`donor …` lines; elsewhere places are explained by the caller.
    evidence: Vec<String>,
    /// The place of the first dateline (`本报拉萨讯` → 西藏自治区/拉萨市).
    dateline: Option<String>,
    /// Mentions of names that several places share (鼓楼区) that the text
    /// and `context` did not settle.
    unresolved: usize,
}

impl Found {
    /// Move the places that `data/pairings.tsv` pairs as donors of a place
    /// `named` (at the row's recipient or within it) or of a recipient
    /// `implied` by a programme word (any row inside it) from `elsewhere` to
    /// `donors`. With
    /// `cities_too`, a city of a paired donor province counts (宁波 in an
    /// article about 黔西南); without, only the donor the row names or its
    /// province (in an article about Tibet, 济南 may be a venue of 山东援藏).
    fn promote_paired_donors(&mut self, named: &[String], implied: &[String], cities_too: bool) {
        let mut promoted = Vec::new();
        self.elsewhere.retain(|place| {
            let row = named
                .iter()
                .find_map(|other| pairings::pairing_within(place, other))
                .or_else(|| {
                    implied
                        .iter()
                        .find_map(|other| pairings::pairing(place, other))
                })
                .filter(|row| cities_too || is_ancestor_or_self(place, &row.donor));
            match row {
                Some(row) => {
                    promoted.push((place.clone(), row));
                    false
                }
                None => true,
            }
        });
        for (place, row) in promoted {
            self.evidence.push(format!("donor {place} ← pairing {row}"));
            if !self.donors.contains(&place) {
                self.donors.push(place);
            }
        }
        self.donors = deepest(std::mem::take(&mut self.donors));
    }

    /// Every place found, whatever its role.
    fn paths(&self) -> impl Iterator<Item = &String> {
        let lists = [&self.paired, &self.elsewhere, &self.donors];
        lists.into_iter().flatten().chain(&self.dateline)
    }
}

/// Words right before a list of places that make them the stops of a visit.
/// (`来到` and `前往` also end 先后来到 and 先后前往.)
const TOUR_BEFORE: [&str; 8] = [
    "先后到",
    "先后赴",
    "先后深入",
    "先后走访",
    "走访了",
    "走访",
    "来到",
    "前往",
];

/// Groups of `mentions` (their indexes) that are the stops of a tour: two or
/// more places listed right after a word of visiting and closed by 等地 or a
/// count of places (`先后到和田、喀什、乌鲁木齐等地`, `走访了乌鲁木齐、喀什等20个
/// 州县`). A visit to places named one by one (`来到昭觉县、金阳县`) keeps them.
fn tour_stops(text: &str, mentions: &[crate::gazetteer::PlaceMention<'_>]) -> Vec<Vec<usize>> {
    let mut tours = Vec::new();
    let mut first = 0;
    while first < mentions.len() {
        let (mut last, mut items) = (first, 1);
        while last + 1 < mentions.len() {
            let gap = &text[mentions[last].end..mentions[last + 1].start];
            // An empty gap continues an enclosing place (西藏林芝).
            if !gap.is_empty() {
                let mut chars = gap.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if LIST_SEPARATORS.contains(&c) => items += 1,
                    _ => break,
                }
            }
            last += 1;
        }
        let before = &text[..mentions[first].start];
        if items >= 2
            && TOUR_BEFORE.iter().any(|w| before.ends_with(w))
            && closes_tour(&text[mentions[last].end..])
        {
            tours.push((first..=last).collect());
        }
        first = last + 1;
    }
    tours
}

/// Whether `after` (the text after a list of places) closes it as places
/// among others: 等地, or 等 and a count of places (`等20个州县`).
fn closes_tour(after: &str) -> bool {
    let Some(rest) = after.strip_prefix('等') else {
        return false;
    };
    let counted = rest.trim_start_matches(|c: char| {
        c.is_ascii_digit() || "一二三四五六七八九十百余多个".contains(c)
    });
    rest.starts_with('地')
        || (counted.len() < rest.len()
            && ["州县", "县市", "市县", "地市", "县", "市", "地", "州", "省"]
                .iter()
                .any(|w| counted.starts_with(w)))
}

/// The deepest place that all of `paths` lie in, if any.
fn shared_place<'a>(mut paths: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = paths.next()?;
    let depth = paths.fold(first.split('/').count(), |depth, path| {
        depth.min(crate::gazetteer::common_depth(first, path))
    });
    (depth > 0).then(|| first.split('/').take(depth).collect::<Vec<_>>().join("/"))
}

/// Whether `path` lies in an area paired aid goes to (西藏, 新疆 …).
fn in_paired_area(path: &str) -> bool {
    programme::paired_recipients().any(|root| is_ancestor_or_self(root, path))
}

/// The places of `text`; `context` (paths of the article's places) settles
/// names that several places share when the text does not.
fn find_places(text: &str, context: &[&str]) -> Found {
    let gazetteer = Gazetteer::global();
    let mut found = Found::default();
    let scan = gazetteer.scan(text, context);
    found.unresolved = scan.unresolved;
    // The place a mention continues (武汉市 of 武汉市新洲区), and whether that
    // one was named as a donor: the deeper place plays the same part.
    let mut head: Option<(usize, &str, bool)> = None;
    // Every mention that could give, in text order: (start, end, path, donor).
    let mut givers_in_text: Vec<(usize, usize, String, bool)> = Vec::new();
    let tours = tour_stops(text, &scan.found);
    let mut is_stop = vec![false; scan.found.len()];
    for &at in tours.iter().flatten() {
        is_stop[at] = true;
    }
    let shared_by_stops: Vec<String> = tours
        .iter()
        .filter_map(|tour| shared_place(tour.iter().map(|&k| scan.found[k].place.path.as_str())))
        .collect();
    for (at, mention) in scan.found.into_iter().enumerate() {
        if is_stop[at] {
            found.evidence.push(format!(
                "stop {} ← {} (a tour's stop, not a region)",
                mention.place.path, mention.surface
            ));
            continue;
        }
        let path = &mention.place.path;
        let continued = head
            .filter(|(end, head_path, _)| {
                *end == mention.start && mention.place.is_within(head_path)
            })
            .map(|(_, _, donor)| donor);
        head = None;
        let in_paired_area = in_paired_area(path);
        if is_dateline(text, mention.start, mention.end) {
            found.dateline.get_or_insert_with(|| path.clone());
            continue;
        }
        if is_venue(text, mention.start, mention.end) {
            found
                .evidence
                .push(format!("venue {path} ← {} (not a region)", mention.surface));
            continue;
        }
        if in_paired_area {
            let rest = &text[mention.end..];
            if WIDER_ORGANISATION.iter().any(|w| rest.starts_with(w)) {
                continue;
            }
            found
                .evidence
                .push(format!("region {path} ← {}", mention.surface));
            found.paired.push(path.clone());
        } else if continued.unwrap_or_else(|| is_donor_context(text, mention.start, mention.end)) {
            found
                .evidence
                .push(format!("donor {path} ← {}", mention.surface));
            found.donors.push(path.clone());
            givers_in_text.push((mention.start, mention.end, path.clone(), true));
            head = Some((mention.end, path, true));
            continue;
        } else {
            found.elsewhere.push(path.clone());
            givers_in_text.push((mention.start, mention.end, path.clone(), false));
        }
        head = Some((mention.end, path, false));
    }
    // A tour's stops stand for the place they share (和田、喀什、乌鲁木齐 → 新疆).
    for shared in shared_by_stops {
        if in_paired_area(&shared) {
            found.paired.push(shared.clone());
        } else {
            found.elsewhere.push(shared.clone());
        }
        found
            .evidence
            .push(format!("region {shared} ← the place a tour's stops share"));
    }
    // Givers that are not places (中央企业, 兵团) give only where the text says
    // so, and never as an item of a list of programme names.
    for mention in givers::mentions(text) {
        let (path, range) = (mention.path, mention.range);
        let gives = match mention.kind {
            givers::Kind::Evident => true,
            givers::Kind::InContext => {
                (is_donor_context(text, range.start, range.end)
                    || is_giver_spending(text, range.end)
                    || is_budget_funds(text, range.clone())
                    || is_giving_subject(text, range.start, range.end))
                    && !is_programme_list_item(text, range.start, range.end)
            }
            givers::Kind::Subject => {
                starts_predicate(&text[range.end..])
                    && is_giving_subject(text, range.start, range.end)
            }
        };
        if gives {
            found
                .evidence
                .push(format!("donor {path} ← {}", &text[range.clone()]));
            found.donors.push(path.to_string());
            givers_in_text.push((range.start, range.end, path.to_string(), true));
        } else {
            givers_in_text.push((range.start, range.end, path.to_string(), false));
        }
    }
    // Items of one list play one part: the words of giving after the last
    // (`中央和国家机关、中央企业第十批援疆干部`, `山东、江苏援疆干部`) make each
    // of them a giver.
    givers_in_text.sort_by_key(|g| g.0);
    for i in (0..givers_in_text.len().saturating_sub(1)).rev() {
        let (next_end, next_donor) = (givers_in_text[i + 1].0, givers_in_text[i + 1].3);
        let (_, end, ref path, donor) = givers_in_text[i];
        if next_donor && !donor && end <= next_end && is_list_gap(&text[end..next_end]) {
            found
                .evidence
                .push(format!("donor {path} ← listed with a giver"));
            found.donors.push(path.clone());
            givers_in_text[i].3 = true;
        }
    }
    found.elsewhere.retain(|p| !found.donors.contains(p));
    // `援疆` names where the aid goes: a text that names no place there is
    // about 新疆 (the labelling conventions).
    for (recipient, word) in programme::recipients_named(text) {
        if !found
            .paired
            .iter()
            .any(|p| is_ancestor_or_self(recipient, p))
        {
            found.evidence.push(format!("region {recipient} ← {word}"));
            found.implied.push(recipient.to_string());
        }
    }
    found.paired = deepest(std::mem::take(&mut found.paired));
    found.elsewhere = deepest(std::mem::take(&mut found.elsewhere));
    found.donors = deepest(std::mem::take(&mut found.donors));
    found
}

/// Regions and donors named in `text`, with evidence, for a text read on its
/// own: places outside the areas paired aid goes to count as regions when
/// no place inside them is named.
pub fn places(text: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut found = find_places(text, &[]);
    let region = if !found.paired.is_empty() {
        found.paired
    } else if !found.implied.is_empty() {
        found.implied
    } else {
        for p in &found.elsewhere {
            found.evidence.push(format!("region {p} ← text"));
        }
        found.elsewhere
    };
    (region, found.donors, found.evidence)
}

/// Words that make a paragraph that names no place speak of the whole
/// country (`中央财政`, `全国`, `各地`): outside articles about a paired-aid
/// area it does not take its article's place. (In those articles 中央 and
/// 全国 are mostly the central delegation and nationwide aid to that area.)
const NATIONAL: [&str; 6] = ["全国", "中央", "各地", "我国", "全党", "各省"];

/// Words that make a paragraph which names a place speak of all of it
/// (`全省`, `全区`; not 全州, also a county's name) or of the whole country:
/// it is not about the article's deeper places (a county's story quoting the
/// province's totals). A recipient's own words for all of it are in
/// `data/programmes.toml`.
const WHOLE_AREA: [&str; 4] = ["全省", "全区", "全国", "各地"];

/// Whether a paragraph speaks of the whole of its places (see [`WHOLE_AREA`]).
fn is_whole_area(text: &str) -> bool {
    WHOLE_AREA
        .iter()
        .copied()
        .chain(programme::whole_recipient_words())
        .any(|w| text.contains(w))
}

/// Whether a paragraph speaks of the whole country (see [`NATIONAL`]).
fn is_national(text: &str) -> bool {
    NATIONAL.iter().any(|w| text.contains(w))
}

/// Whether `ancestor` is `path` or lies above it.
fn is_ancestor_or_self(ancestor: &str, path: &str) -> bool {
    path == ancestor || (path.starts_with(ancestor) && path[ancestor.len()..].starts_with('/'))
}

/// A paragraph's own places, refined by the article's: when the paragraph names
/// only ancestors of the article's places (西藏 in an article about 日喀则, 山东
/// in one about 淄博's team), the article's deeper places are meant.
fn refine(own: Vec<String>, article: &[String]) -> (Vec<String>, bool) {
    let only_ancestors = !own.is_empty()
        && !article.is_empty()
        && own
            .iter()
            .all(|p| article.iter().any(|a| is_ancestor_or_self(p, a)))
        && own.iter().any(|p| !article.contains(p));
    if only_ancestors {
        (article.to_vec(), true)
    } else {
        (own, false)
    }
}

/// The one clear place of an article: the title's, or the deepest place that
/// at least 60% of the labelled paragraphs share and that leads the other
/// places of its level.
fn dominant(
    title_places: &[String],
    per_paragraph: &[&Vec<String>],
    min_paragraphs: usize,
) -> Vec<String> {
    if !title_places.is_empty() {
        return title_places.to_vec();
    }
    let labelled: Vec<&&Vec<String>> = per_paragraph.iter().filter(|p| !p.is_empty()).collect();
    if labelled.is_empty() {
        return Vec::new();
    }
    // Count each ancestor path once per paragraph, then take the deepest path
    // that 60% of labelled paragraphs fall under.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for paths in &labelled {
        let mut ancestors: Vec<String> = Vec::new();
        for path in paths.iter() {
            let mut prefix = String::new();
            for part in path.split('/') {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(part);
                ancestors.push(prefix.clone());
            }
        }
        ancestors.sort();
        ancestors.dedup();
        for a in ancestors {
            *counts.entry(a).or_default() += 1;
        }
    }
    let needed = (labelled.len() * 3).div_ceil(5).max(min_paragraphs);
    let qualified: Vec<(String, usize)> =
        counts.into_iter().filter(|(_, n)| *n >= needed).collect();
    // From the deepest level up, the first level where one path leads clearly:
    // four prefectures named together in one paragraph make no clear one.
    let depth = |p: &str| p.matches('/').count();
    let deepest_level = qualified.iter().map(|(p, _)| depth(p)).max().unwrap_or(0);
    for level in (0..=deepest_level).rev() {
        let mut at_level: Vec<&(String, usize)> = qualified
            .iter()
            .filter(|(p, _)| depth(p) == level)
            .collect();
        at_level.sort_by_key(|e| std::cmp::Reverse(e.1));
        match at_level.as_slice() {
            [] => continue,
            [one] => return vec![one.0.clone()],
            [first, second, ..] if first.1 > second.1 => return vec![first.0.clone()],
            _ => continue,
        }
    }
    Vec::new()
}

/// The article's place made deeper: when the article names exactly one
/// place below it, and its lead paragraph names that one, the article is
/// about that place (a village story in 临邑县 that also names 山东省's
/// institutions is about 临邑县; a story in 新化县's 油溪桥村 under a title
/// naming 湖南 is about 新化县).
fn only_deeper_place(
    article: Vec<String>,
    regions: &[Vec<String>],
    lead: &[String],
) -> Vec<String> {
    let [place] = article.as_slice() else {
        return article;
    };
    let mut below: Vec<&String> = regions
        .iter()
        .flatten()
        .filter(|p| *p != place && is_ancestor_or_self(place, p))
        .collect();
    below.sort();
    below.dedup();
    match below.as_slice() {
        [one] if lead.contains(one) => vec![(*one).clone()],
        _ => article,
    }
}

/// For each paragraph, the one place below the article's that the
/// paragraphs before it name, when they name exactly one (a village story
/// under a prefecture's title whose second paragraph names the county): a
/// paragraph naming no place goes on in it. None where they name none or
/// several (a tour of three counties).
fn story_places(article: &[String], regions: &[Vec<String>]) -> Vec<Option<String>> {
    let [place] = article else {
        return vec![None; regions.len()];
    };
    let mut named: Vec<&String> = Vec::new();
    let mut out = Vec::with_capacity(regions.len());
    for own in regions {
        out.push(match named.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        });
        for p in own {
            if p == place
                || !is_ancestor_or_self(place, p)
                || named.iter().any(|n| is_ancestor_or_self(p, n))
            {
                continue;
            }
            named.retain(|n| !is_ancestor_or_self(n, p));
            named.push(p);
        }
    }
    out
}

/// Whether a paragraph tells of a village scene (a village, its people,
/// its households), as a story's later paragraphs do. 农村 and 乡村 are the
/// countryside in general, the words of a speech or a closing line, which do
/// not go on in the story's place.
fn is_local_scene(text: &str) -> bool {
    let mut before = ' ';
    text.chars().any(|c| {
        let village = c == '户' || (c == '村' && before != '农' && before != '乡');
        before = c;
        village
    })
}

/// Resolve sidecar place names (names, aliases or paths) to gazetteer paths.
fn resolve_all(names: &[String]) -> Vec<String> {
    let gazetteer = Gazetteer::global();
    names
        .iter()
        .filter_map(|n| gazetteer.resolve(n).map(|p| p.path.clone()))
        .collect()
}

/// A report with the labels of each of its paragraphs, in paragraph order:
/// what the index writes.
#[derive(Debug, Clone, Serialize)]
pub struct LabelledReport {
    pub report: Report,
    /// One entry per paragraph of `report`.
    pub labels: Vec<Labels>,
}

impl std::ops::Deref for LabelledReport {
    type Target = Report;

    fn deref(&self) -> &Report {
        &self.report
    }
}

impl LabelledReport {
    /// Each paragraph with its labels.
    pub fn paragraphs(&self) -> impl Iterator<Item = (&Paragraph, &Labels)> {
        self.report.paragraphs.iter().zip(&self.labels)
    }
}

/// Label a report, keeping it beside its labels.
pub fn label(report: Report) -> LabelledReport {
    let labels = label_report(&report);
    LabelledReport { report, labels }
}

/// The labels of every paragraph of a report, in paragraph order. The
/// stories of a compilation are labelled each as an article of its own.
pub fn label_report(report: &Report) -> Vec<Labels> {
    match stories::split(report) {
        Some(stories) => stories.iter().flat_map(label_article).collect(),
        None => label_article(report),
    }
}

/// The labels of every paragraph of one article, in paragraph order.
fn label_article(report: &Report) -> Vec<Labels> {
    let meta = &report.hints;
    let mut all: Vec<Labels> = vec![Labels::default(); report.paragraphs.len()];
    let report_year = report
        .date
        .as_deref()
        .and_then(crate::corpus::meta::parse_year);
    let sidecar_region = resolve_all(&meta.region);
    let sidecar_donor = resolve_all(&meta.donor);
    let mut title = find_places(&report.title, &[]);
    let mut found: Vec<Found> = report
        .paragraphs
        .iter()
        .map(|p| find_places(&p.text, &[]))
        .collect();
    // A shared name (鼓楼区) that its own text leaves open is settled by the
    // article's other places, when they settle it.
    if title.unresolved > 0 || found.iter().any(|f| f.unresolved > 0) {
        let mut context: Vec<&str> = sidecar_region
            .iter()
            .chain(&sidecar_donor)
            .chain(title.paths())
            .chain(found.iter().flat_map(Found::paths))
            .map(String::as_str)
            .collect();
        context.sort_unstable();
        context.dedup();
        let again = |text: &str, f: &Found| (f.unresolved > 0).then(|| find_places(text, &context));
        let title_again = again(&report.title, &title);
        let found_again: Vec<Option<Found>> = report
            .paragraphs
            .iter()
            .zip(&found)
            .map(|(p, f)| again(&p.text, f))
            .collect();
        if let Some(t) = title_again {
            title = t;
        }
        for (f, a) in found.iter_mut().zip(found_again) {
            if let Some(a) = a {
                *f = a;
            }
        }
    }
    // In an article about an area paired aid goes to, places elsewhere that
    // are not donors are venues, partners or origins of people, not where the
    // aid goes.
    // One passing mention (哈密 in a story about a Shandong village) does not
    // make the article about a paired area: its paragraphs naming such a place
    // must be at least as many as those naming only places elsewhere.
    let names_paired = |f: &Found| !f.paired.is_empty() || !f.implied.is_empty();
    let paired_paragraphs = found.iter().filter(|f| names_paired(f)).count();
    let elsewhere_paragraphs = found
        .iter()
        .filter(|f| !names_paired(f) && !f.elsewhere.is_empty())
        .count();
    let about_paired_area = names_paired(&title)
        || (paired_paragraphs > 0 && paired_paragraphs >= elsewhere_paragraphs)
        || sidecar_region.iter().any(|p| in_paired_area(p));
    // A pairing makes a place a donor when one of its recipients is named
    // beside it: in its paragraph or the title, at the row's level or below
    // (北京 aids 拉萨, not all of 西藏), or by a programme word, whose
    // province stands for all of it (援疆 names 新疆). Not anywhere in the
    // article: that made donors of places named in passing, a job turned
    // down in 上海, an opera in 北京 (RELEVANCE.md, session 18).
    let named_of = |f: &Found| -> Vec<String> {
        f.paired
            .iter()
            .chain(&f.elsewhere)
            .chain(&f.donors)
            .cloned()
            .collect()
    };
    let (title_named, title_implied) = (named_of(&title), title.implied.clone());
    title.promote_paired_donors(&title_named, &title_implied, !about_paired_area);
    for f in &mut found {
        let named: Vec<String> = title_named.iter().cloned().chain(named_of(f)).collect();
        let implied: Vec<String> = title_implied.iter().chain(&f.implied).cloned().collect();
        f.promote_paired_donors(&named, &implied, !about_paired_area);
    }
    // After the promotion, so that a donor a pairing made shows its row.
    for ((paragraph, labels), places) in report.paragraphs.iter().zip(all.iter_mut()).zip(&found) {
        labels.evidence.extend(places.evidence.iter().cloned());
        let (sectors, evidence) = sector::classify(&paragraph.text);
        labels.sector = sectors;
        labels
            .evidence
            .extend(evidence.into_iter().map(|e| format!("sector {e}")));
        let (years, evidence) = year::years(&paragraph.text, report_year);
        if !years.is_empty() {
            labels
                .evidence
                .push(format!("year {years:?} ← {}", evidence.join(" ")));
        }
        labels.year = years;
        labels.funding = funding::funding(&paragraph.text)
            .into_iter()
            .map(|a| a.yuan)
            .collect();
    }
    // A paragraph that names a paired-aid recipient through its programme
    // (援疆) is about that recipient: its places elsewhere are givers or
    // origins (江苏镇江的援疆干部), never its region.
    let own_region = |f: &Found| -> Vec<String> {
        if !f.paired.is_empty() || about_paired_area || !f.implied.is_empty() {
            f.paired.clone()
        } else {
            f.elsewhere.clone()
        }
    };
    let regions: Vec<Vec<String>> = found.iter().map(own_region).collect();
    // The article's place before `only_deeper_place`: what a paragraph
    // speaking of all of it (全省) or naming a place it leaves open inherits.
    let mut shallow_region = Vec::new();
    let mut article_region = if sidecar_region.is_empty() {
        let title_region = own_region(&title);
        let support = 1.max(report.paragraphs.len() / REGION_SHARE);
        let region = dominant(&title_region, &regions.iter().collect::<Vec<_>>(), support);
        let lead = regions.first().cloned().unwrap_or_default();
        shallow_region = region.clone();
        only_deeper_place(region, &regions, &lead)
    } else {
        sidecar_region
    };
    if article_region.is_empty() {
        let dateline = title
            .dateline
            .as_deref()
            .or_else(|| found.iter().find_map(|f| f.dateline.as_deref()));
        let texts = std::iter::once(report.title.as_str())
            .chain(report.paragraphs.iter().map(|p| p.text.as_str()));
        if let Some(province) = dateline.and_then(|d| home_province(d, texts)) {
            for labels in &mut all {
                labels
                    .evidence
                    .push(format!("region {province} ← dateline and 我区/我省"));
            }
            article_region = vec![province];
        }
    }
    // A donor named in some paragraphs is the article's only in a report on
    // paired aid, and only when more than one paragraph names it: in general
    // news a giver in one paragraph is no one else's.
    let paired_aid = std::iter::once(report.title.as_str())
        .chain(report.paragraphs.iter().map(|p| p.text.as_str()))
        .any(has_paired_aid);
    let article_donor = if !sidecar_donor.is_empty() {
        sidecar_donor
    } else if !title.donors.is_empty() || paired_aid {
        // A news item's lead paragraph names the team it is about
        // (`广东第八批援藏工作队墨脱工作组`) as its title would.
        let lead = found
            .first()
            .map(|f| f.donors.as_slice())
            .unwrap_or_default();
        let heading = if title.donors.is_empty() && paired_aid {
            lead
        } else {
            &title.donors
        };
        dominant(
            heading,
            &found.iter().map(|f| &f.donors).collect::<Vec<_>>(),
            DONOR_SUPPORT.max(report.paragraphs.len() / DONOR_SHARE),
        )
    } else {
        Vec::new()
    };
    if shallow_region.is_empty() {
        shallow_region = article_region.clone();
    }
    let story = story_places(&article_region, &regions);
    let inherit_region = Inherit::new("region", &article_region);
    let inherit_shallow = Inherit::new("region", &shallow_region);
    let inherit_donor = Inherit::new("donor", &article_donor);
    let year_evidence = report_year.map(|y| format!("year {y} ← report date"));
    // Read once: the donor loop and `label_programmes` both use them.
    let pairs: Vec<Vec<programme::PairNamed>> = report
        .paragraphs
        .iter()
        .map(|p| programme::pairs_named(&p.text))
        .collect();
    for (((((labels, places), region), paragraph), pairs), story) in all
        .iter_mut()
        .zip(found)
        .zip(regions)
        .zip(&report.paragraphs)
        .zip(&pairs)
        .zip(&story)
    {
        if !about_paired_area && places.paired.is_empty() {
            for p in &region {
                labels.evidence.push(format!("region {p} ← text"));
            }
        }
        let region = if region.is_empty() {
            places.implied
        } else {
            region
        };
        labels.region = if region.is_empty() && !about_paired_area && is_national(&paragraph.text) {
            labels
                .evidence
                .push("region none ← national in scope (not the article's place)".to_string());
            Vec::new()
        } else if region.is_empty() && (places.unresolved > 0 || is_whole_area(&paragraph.text)) {
            // All of the article's place, or one it cannot tell: not the
            // one county the story is about.
            inherit_shallow.apply(region, &mut labels.evidence)
        } else if !region.is_empty() && is_whole_area(&paragraph.text) {
            // `…省完成易地扶贫搬迁188万人，规模全国第一` in an article about
            // one county: the paragraph speaks of the whole province it names.
            region
        } else if let Some(place) = story
            .as_ref()
            .filter(|_| region.is_empty() && is_local_scene(&paragraph.text))
        {
            labels
                .evidence
                .push(format!("region {place} ← the story so far"));
            vec![place.clone()]
        } else {
            inherit_region.apply(region, &mut labels.evidence)
        };
        labels.donor = if places.donors.is_empty() && names_givers_at_large(&paragraph.text) {
            labels.evidence.push(
                "donor none ← the givers at large (援疆省市 …), not the article's".to_string(),
            );
            Vec::new()
        } else {
            inherit_donor.apply(places.donors, &mut labels.evidence)
        };
        // A pair's short name (闽宁协作, 闽宁镇) names who gives, and where the
        // aid goes when nothing else does: in this paragraph only, for an
        // article that visits 闽宁镇 once is not about the pair.
        for pair in pairs {
            if !labels
                .donor
                .iter()
                .any(|d| is_ancestor_or_self(pair.donor, d))
            {
                labels.evidence.push(format!(
                    "donor {} ← {} (the pair's name)",
                    pair.donor, pair.words
                ));
                labels.donor.push(pair.donor.to_string());
            }
            if labels.region.is_empty() {
                labels.evidence.push(format!(
                    "region {} ← {} (the pair's name)",
                    pair.recipient, pair.words
                ));
                labels.region.push(pair.recipient.to_string());
            }
        }
        // A giver over the recipient is its own government at work, not aid
        // from elsewhere (`石家庄市园林局驻村帮扶` in a village of 石家庄).
        let region = &labels.region;
        let (own, donors): (Vec<String>, Vec<String>) = std::mem::take(&mut labels.donor)
            .into_iter()
            .partition(|d| region.iter().any(|r| is_ancestor_or_self(d, r)));
        for d in own {
            labels
                .evidence
                .push(format!("donor none: {d} ← the recipient's own"));
        }
        labels.donor = donors;
        if labels.year.is_empty() {
            if let (Some(y), Some(e)) = (report_year, &year_evidence) {
                labels.year.push(y);
                labels.evidence.push(e.clone());
            }
        }
        // Sidecar sectors add to the text's, but only the twelve values exist.
        for s in &meta.sector {
            if sector::SECTORS.contains(&s.as_str()) && !labels.sector.contains(s) {
                labels.sector.push(s.clone());
            }
        }
    }
    for (labels, paragraph) in all.iter_mut().zip(&report.paragraphs) {
        if let Some(cells) = &paragraph.cells {
            cells::apply(cells, labels);
        }
    }
    label_programmes(report, &pairs, &mut all);
    // A donor gives aid: in a paragraph about no aid programme at all (a
    // harvest loan, a delegation's speech) a giver's word is no donation.
    for labels in &mut all {
        if labels.programme.is_empty() && !labels.donor.is_empty() {
            let donors = std::mem::take(&mut labels.donor);
            labels
                .evidence
                .push(format!("donor none: {donors:?} ← no aid programme"));
        }
    }
    if let Some(y) = report_year {
        for labels in &mut all {
            labels.report_year.push(y);
        }
    }
    all
}

/// The programme of every paragraph: its own words, else a donor aiding a
/// place only one programme aids, else the article's one programme (named in
/// its title, or by more than one paragraph), else 其他 when the paragraph
/// or its article is about poverty relief.
fn label_programmes(report: &Report, pairs: &[Vec<programme::PairNamed>], all: &mut [Labels]) {
    let (title_named, title_evidence) = programme::named(&report.title);
    let own: Vec<(Vec<String>, Vec<String>)> = report
        .paragraphs
        .iter()
        .map(|p| programme::named(&p.text))
        .collect();
    let article: Vec<String> = if title_named.is_empty() {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (named, _) in &own {
            for name in named {
                *counts.entry(name.as_str()).or_default() += 1;
            }
        }
        let repeated: Vec<String> = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(name, _)| name.to_string())
            .collect();
        if repeated.len() == 1 {
            repeated
        } else {
            Vec::new()
        }
    } else {
        title_named
    };
    let aid_paragraphs = report
        .paragraphs
        .iter()
        .filter(|p| programme::is_aid_text(&p.text))
        .count();
    let aid_article = programme::is_aid_text(&report.title) || aid_paragraphs > 1;
    for (((labels, (named, evidence)), paragraph), pairs) in
        all.iter_mut().zip(own).zip(&report.paragraphs).zip(pairs)
    {
        labels.evidence.extend(evidence);
        labels.programme = named;
        if !labels.programme.is_empty() {
            if let Some(words) = programme::general_work_besides(&paragraph.text) {
                labels.evidence.push(format!(
                    "programme {} ← {} besides the programme",
                    programme::other(),
                    words.join(" ")
                ));
                labels.programme.push(programme::other().to_string());
            }
        }
        // A pair's short name names its programme here, not the article's;
        // like a pairing row's, it is no programme's own word that other work
        // could be besides.
        for pair in pairs {
            if !labels.programme.iter().any(|p| p == pair.programme) {
                labels
                    .evidence
                    .push(format!("programme {} ← {}", pair.programme, pair.words));
                labels.programme.push(pair.programme.to_string());
            }
        }
        if labels.programme.is_empty() {
            let row = labels
                .donor
                .iter()
                .find_map(|d| labels.region.iter().find_map(|r| pairings::pairing(d, r)));
            if let Some(row) = row {
                labels
                    .evidence
                    .push(format!("programme {} ← pairing {row}", row.programme));
                labels.programme.push(row.programme.clone());
            }
        }
        if labels.programme.is_empty() && !labels.donor.is_empty() {
            if let Some(name) = programme::by_recipient(&labels.region) {
                labels
                    .evidence
                    .push(format!("programme {name} ← donor aids {:?}", labels.region));
                labels.programme.push(name.to_string());
            }
        }
        if labels.programme.is_empty() && !article.is_empty() {
            labels.programme = article.clone();
            labels.evidence.extend(title_evidence.iter().cloned());
            labels
                .evidence
                .push(format!("programme {article:?} ← article"));
        }
        if labels.programme.is_empty() && (aid_article || programme::is_aid_text(&paragraph.text)) {
            labels.programme.push(programme::other().to_string());
            labels
                .evidence
                .push(format!("programme {} ← poverty relief", programme::other()));
        }
    }
}

/// Words before 省市 that make it the givers of a programme at large
/// (`其它援疆省市`, `19个援疆省市`, `对口支援省市`, `各省市`).
const GIVERS_AT_LARGE: [&str; 7] = ["援疆", "援藏", "援青", "支援", "援建", "帮扶", "各"];
/// Characters looked back from 省市 for those words (`援疆19省市`).
const AT_LARGE_REACH: usize = 4;

/// Whether `text` speaks of a programme's givers at large (`援疆各省市借助
/// 各自市场资源优势`) rather than of one: a paragraph that names no giver of
/// its own is then not about the article's.
fn names_givers_at_large(text: &str) -> bool {
    // Built once: a searcher made per paragraph cost more than the search.
    static PROVINCES_AND_CITIES: std::sync::OnceLock<aho_corasick::AhoCorasick> =
        std::sync::OnceLock::new();
    let finder = PROVINCES_AND_CITIES
        .get_or_init(|| aho_corasick::AhoCorasick::new(["省市"]).expect("one literal pattern"));
    finder.find_iter(text).any(|m| {
        let before = &text[..m.start()];
        let from = before
            .char_indices()
            .rev()
            .nth(AT_LARGE_REACH - 1)
            .map_or(0, |(i, _)| i);
        GIVERS_AT_LARGE.iter().any(|w| before[from..].contains(w))
    })
}

/// The province a newspaper calls 我区/全区 (an autonomous region) or 我省/全省
/// (a province), given the place of the article's dateline, when the text does.
fn home_province<'t>(dateline: &str, mut texts: impl Iterator<Item = &'t str>) -> Option<String> {
    let province = dateline.split('/').next()?;
    let words: &[&str] = if province.ends_with("自治区") {
        &["我区", "全区"]
    } else if province.ends_with('省') {
        &["我省", "全省"]
    } else {
        return None;
    };
    texts
        .any(|t| words.iter().any(|w| t.contains(w)))
        .then(|| province.to_string())
}

/// A paragraph's places of one kind given its own and its article's. The
/// evidence lines name the article's places, the same for every paragraph,
/// so each is formatted once per report.
struct Inherit<'a> {
    kind: &'static str,
    article: &'a [String],
    from_article: OnceCell<String>,
    deeper: OnceCell<String>,
}

impl<'a> Inherit<'a> {
    fn new(kind: &'static str, article: &'a [String]) -> Self {
        Inherit {
            kind,
            article,
            from_article: OnceCell::new(),
            deeper: OnceCell::new(),
        }
    }

    fn apply(&self, own: Vec<String>, evidence: &mut Vec<String>) -> Vec<String> {
        let (kind, article) = (self.kind, self.article);
        if own.is_empty() {
            if !article.is_empty() {
                evidence.push(
                    self.from_article
                        .get_or_init(|| format!("{kind} {article:?} ← article"))
                        .clone(),
                );
            }
            return article.to_vec();
        }
        let (places, refined) = refine(own, article);
        if refined {
            // `refine` gives the article's places when it refines.
            evidence.push(
                self.deeper
                    .get_or_init(|| format!("{kind} {places:?} ← article (deeper than the text's)"))
                    .clone(),
            );
        }
        places
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIBET: &str = "西藏自治区";

    #[test]
    fn donor_needs_the_text_to_say_so() {
        let (region, donor, _) = places("淄博市第九批援藏干部人才抵达西藏自治区日喀则市昂仁县");
        assert_eq!(donor, vec!["山东省/淄博市"]);
        assert_eq!(region, vec!["西藏自治区/日喀则市/昂仁县"]);
        let (_, donor, _) = places("与成都科技企业孵化器联合举办培训，拉萨的企业参加");
        assert!(donor.is_empty(), "{donor:?}");
    }

    #[test]
    fn datelines_and_customs_districts_are_not_regions() {
        let (region, _, _) =
            places("本报拉萨讯（记者 李梅英）近年来，我区不断深化科技体制机制改革");
        assert!(region.is_empty(), "{region:?}");
        let (region, _, _) = places("新华社拉萨6月1日电 日喀则市白朗县");
        assert_eq!(region, vec!["西藏自治区/日喀则市/白朗县"]);
        let (region, _, _) = places("在助力西藏脱贫攻坚中，拉萨海关技术中心投入资金");
        assert_eq!(region, vec![TIBET]);
        // The place of a customs post's work still counts.
        let (region, _, _) = places("拉萨海关驻谢通门县卡嘎镇查仓村工作队");
        assert_eq!(region, vec!["西藏自治区/日喀则市/谢通门县"]);
        assert_eq!(
            home_province("西藏自治区/拉萨市", ["近年来，我区"].into_iter()),
            Some(TIBET.to_string())
        );
        assert_eq!(
            home_province("西藏自治区/拉萨市", ["近年来"].into_iter()),
            None
        );
        assert_eq!(home_province("北京市", ["我区"].into_iter()), None);
    }

    #[test]
    fn ancestors_named_alone_take_the_article_place() {
        let article = vec!["西藏自治区/日喀则市".to_string()];
        assert_eq!(
            refine(vec![TIBET.into()], &article),
            (article.clone(), true)
        );
        let own = vec!["西藏自治区/阿里地区/噶尔县".to_string()];
        assert_eq!(refine(own.clone(), &article), (own, false));
        let same = vec!["西藏自治区/日喀则市".to_string()];
        assert_eq!(refine(same.clone(), &article), (same, false));
        assert_eq!(refine(vec![TIBET.into()], &[]), (vec![TIBET.into()], false));
    }

    #[test]
    fn short_forms_donors() {
        let (_, donor, _) = places("山东援藏干部人才坚持以铸牢中华民族共同体意识为主线");
        assert_eq!(donor, vec!["山东省"]);
        let (_, donor, _) = places("按照重庆市委、市政府统一部署，33名援藏专技干部奔赴昌都");
        assert_eq!(donor, vec!["重庆市"]);
        let (_, donor, _) = places("在山东援藏干部的帮助下，昂仁县建成小学");
        assert_eq!(donor, vec!["山东省"]);
        let (_, donor, _) = places("带回了淄博市援助昂仁价值10余万元的防疫物资");
        assert_eq!(donor, vec!["山东省/淄博市"]);
    }

    #[test]
    fn receivers_and_locations_are_not_donors() {
        for text in [
            "组建6支医疗救治队驰援武汉",
            "东航、南航首批支援武汉的医护人员",
            "在湖北省的武汉等七个城市定点医院开展支援",
            "工业和信息化部等收到武汉第二批物资需求清单后",
            "武汉市委、市政府部署疫情防控",
            "19个省份对口支援湖北",
            "各地区前往湖北和武汉支援的广大医务工作者",
            "圆满完成了在武汉市新洲区对口支援医院的全部救治工作",
            "在湖北省武汉市对口支援医院开展救治",
            "来武汉支援已经快一个月了",
            "武汉市宝丰街派出所民警",
        ] {
            let (_, donor, _) = places(text);
            assert!(donor.is_empty(), "{text}: {donor:?}");
        }
    }

    /// A report of the given paragraphs, dated `date`, labelled.
    fn labelled(title: &str, date: &str, texts: &[&str]) -> LabelledReport {
        label(Report::of_texts(title, date, texts))
    }

    #[test]
    fn article_context() {
        let r = labelled(
            "山东援藏30年",
            "2024",
            &[
                "山东援藏把产业援藏作为重中之重，紧密结合日喀则资源禀赋。",
                "日喀则市妇幼保健院成功创建二甲医院。",
                "保护好西藏生态环境是国之大事，累计投入援藏资金6000多万元。",
                "活动在济南举办，鲁藏两地文联共同组织。",
                "2023年，实施完成项目33个。",
            ],
        );
        let region = |i: usize| r.labels[i].region.clone();
        let donor = |i: usize| r.labels[i].donor.clone();
        let rikaze = vec!["西藏自治区/日喀则市".to_string()];
        // A bare 西藏 in an article about 日喀则 is 日喀则.
        assert_eq!(region(2), rikaze);
        // 济南 is a venue in an article about Tibet: the paragraph inherits.
        assert_eq!(region(3), rikaze);
        assert_eq!(donor(3), vec!["山东省"]);
        // No place and no donor of its own: the article's.
        assert_eq!(region(4), rikaze);
        assert_eq!(donor(4), vec!["山东省"]);
        assert_eq!(r.labels[4].year, vec![2023]);
        assert_eq!(r.labels[1].year, vec![2024]);
        assert!(r.labels[4]
            .evidence
            .iter()
            .any(|e| e.ends_with("← article")));
    }

    #[test]
    fn the_givers_at_large_are_not_the_article_s() {
        let r = labelled(
            "山东援疆三年",
            "2013",
            &[
                "山东援疆干部在喀什疏勒县建成蔬菜大棚。",
                "其它援疆省市也都把民生建设作为重点，累计安排民生项目1900多个。",
                "实施完成项目33个。",
            ],
        );
        assert_eq!(r.labels[0].donor, vec!["山东省"]);
        // All the programme's givers: not the article's one.
        assert!(r.labels[1].donor.is_empty(), "{:?}", r.labels[1]);
        assert_eq!(r.labels[2].donor, vec!["山东省"]);
        assert!(names_givers_at_large("19个援疆省市累计实施援疆项目"));
        assert!(names_givers_at_large("援疆各省市借助各自市场资源优势"));
        assert!(!names_givers_at_large("长江沿江省市"));
    }

    #[test]
    fn shared_place_names_take_the_article_s_places() {
        let r = labelled(
            "福州市推进乡村振兴",
            "2023",
            &["鼓楼区建成示范村", "朝阳区建成示范村"],
        );
        assert_eq!(r.labels[0].region, vec!["福建省/福州市/鼓楼区"]);
        // Nothing in the article tells which 朝阳区: the article's place.
        assert_eq!(r.labels[1].region, vec!["福建省/福州市"]);
        assert!(r.labels[1].evidence.iter().all(|e| !e.contains("朝阳区")));
    }

    #[test]
    fn a_story_under_a_province_title_is_about_the_county_its_lead_names() {
        let r = labelled(
            "湖南：石头缝里刨出致富田",
            "2021",
            &[
                "别看现在的油溪桥村山清水秀，这里地处新化县大山深处，人均耕地不足半亩。",
                "村民们在石头缝里开垦出农田，种上了甲鱼和稻谷。",
                "全省已有一千多个村走上了这条路。",
            ],
        );
        assert_eq!(r.labels[0].region, vec!["湖南省/娄底市/新化县"]);
        // A paragraph with no place of its own goes on in that county...
        assert_eq!(r.labels[1].region, vec!["湖南省/娄底市/新化县"]);
        // ...unless it speaks of all of the title's place.
        assert_eq!(r.labels[2].region, vec!["湖南省"]);
    }

    #[test]
    fn a_village_scene_goes_on_in_the_one_county_the_story_has_named() {
        let r = labelled(
            "凉山：大山里的新生活",
            "2020",
            &[
                "凉山州今年又有一批新变化。",
                "在昭觉县三河村，村民们搬进了新房。",
                "村里还建起了合作社，贫困户家家有事做。",
                "他强调，要推动农村改革，发展壮大集体经济。",
                "在布拖县，新建的学校开学了。",
                "村民们说，日子越过越红火。",
            ],
        );
        let region = |i: usize| r.labels[i].region.join(",");
        assert!(region(1).ends_with("/昭觉县"), "{}", region(1));
        // A scene in the village goes on in the county named before it...
        assert!(region(2).ends_with("/昭觉县"), "{}", region(2));
        // ...a speech's words on the countryside do not...
        assert!(region(3).ends_with("/凉山彝族自治州"), "{}", region(3));
        // ...and once a second county is named, neither is the story's.
        assert!(region(5).ends_with("/凉山彝族自治州"), "{}", region(5));
    }

    #[test]
    fn a_village_is_a_local_scene_and_the_countryside_is_not() {
        assert!(is_local_scene("村里建起了合作社"));
        assert!(is_local_scene("贫困户家家有事做"));
        assert!(!is_local_scene("要推动农村改革，全面推进乡村振兴"));
    }

    #[test]
    fn articles_not_about_tibet_keep_their_places() {
        let r = labelled(
            "甘肃脱贫攻坚",
            "2020",
            &["定西市安定区种植马铃薯", "全省易地扶贫搬迁"],
        );
        assert_eq!(r.labels[0].region, vec!["甘肃省/定西市/安定区"]);
        // The title names the article's place.
        assert_eq!(r.labels[1].region, vec!["甘肃省"]);
    }

    #[test]
    fn one_passing_paired_area_name_does_not_take_over_the_article() {
        let r = labelled(
            "多彩休闲游 致富小康路",
            "2021",
            &[
                "三年前，山东省临邑县的前杨村还是个省定贫困村。",
                "临邑县前杨村热闹起来，游客很多。",
                "村里请来山东省旅游规划设计院的专家做规划。",
                "她如今是大棚的管理员，当年曾在西藏拉萨打工。",
                "山东省首批美丽村居建设试点名单公布。",
                "短短几年，村民们脱了贫。",
            ],
        );
        // The article names one place below 山东省, in its lead: a paragraph
        // without a place of its own is about that county.
        assert_eq!(r.labels[5].region, vec!["山东省/德州市/临邑县"]);
        assert_eq!(r.labels[0].region, vec!["山东省/德州市/临邑县"]);
        assert_eq!(r.labels[1].region, vec!["山东省/德州市/临邑县"]);
        // 哈密瓜 is a melon, not 哈密市.
        let (region, _, _) = places("张玉霞如今是哈密瓜大棚的管理员");
        assert!(region.is_empty(), "{region:?}");
    }

    #[test]
    fn a_location_word_reaches_over_the_items_of_a_list() {
        // 武汉 is the second item after 在: where the support happens.
        let (_, donor, _) = places("医疗队在湖北黄冈、武汉开展支援工作。");
        assert!(donor.is_empty(), "{donor:?}");
        let (_, donor, _) = places("武汉开展支援工作。");
        assert_eq!(donor, vec!["湖北省/武汉市".to_string()]);
    }

    #[test]
    fn a_route_s_stops_and_ends_are_no_regions() {
        let (region, _, _) = places("旅游专列从北京出发，途经吐鲁番、和田、哈密等地，行程16天。");
        assert!(region.is_empty(), "{region:?}");
        // 援疆 still names where its work goes.
        let (region, _, _) = places("援疆旅游专列途经吐鲁番、和田、哈密等地。");
        assert_eq!(region, vec!["新疆维吾尔自治区".to_string()]);
        let (region, _, _) = places("福银高速东起福建福州，西至宁夏银川，架起高速通道。");
        assert!(region.is_empty(), "{region:?}");
        // The destination named otherwise stays, and an end needs a start.
        let (region, _, _) = places("北京西至和田的旅游专列，途经吐鲁番、哈密、库尔勒等地。");
        assert_eq!(region, vec!["新疆维吾尔自治区/和田地区".to_string()]);
        let (region, _, _) = places("援疆旅游专列开往和田，途经吐鲁番。");
        assert_eq!(region, vec!["新疆维吾尔自治区/和田地区".to_string()]);
    }

    #[test]
    fn a_giver_over_the_recipient_is_no_donor() {
        let r = labelled(
            "赞皇县的村庄变干净了",
            "2012",
            &[
                "赞皇县的这个村，年初时候村里公共用地还是垃圾成堆。",
                "今年2月，石家庄市园林局驻村帮扶，带领村民清除了垃圾。",
                "宁波市帮扶黔西南州，引进特色产业。",
            ],
        );
        assert!(
            r.labels[1].region[0].ends_with("赞皇县"),
            "{:?}",
            r.labels[1].region
        );
        assert!(r.labels[1].donor.is_empty(), "{:?}", r.labels[1].evidence);
        assert_eq!(r.labels[2].donor, vec!["浙江省/宁波市".to_string()]);
    }

    #[test]
    fn a_paragraph_about_a_whole_province_keeps_it() {
        let r = labelled(
            "晴隆县搬迁群众过上新生活",
            "2020",
            &[
                "晴隆县的搬迁群众住进了新房。",
                "去年年底，贵州省完成易地扶贫搬迁188万人，搬迁规模全国第一。",
                "贵州的搬迁群众住进了新房。",
            ],
        );
        let county = r.labels[0].region.clone();
        assert!(county[0].ends_with("晴隆县"), "{county:?}");
        assert_eq!(r.labels[1].region, vec!["贵州省".to_string()]);
        // Without a word of the whole, the province named is the article's county.
        assert_eq!(r.labels[2].region, county);
        // A recipient's own word for all of it comes from data/programmes.toml.
        let r = labelled(
            "叶城县的搬迁新村",
            "2020",
            &["叶城县的搬迁群众住进了新房。", "新疆的搬迁群众遍布全疆。"],
        );
        assert_eq!(r.labels[1].region, vec!["新疆维吾尔自治区".to_string()]);
    }

    #[test]
    fn national_paragraphs_do_not_take_the_article_s_place() {
        let r = labelled(
            "金寨县大湾村脱贫",
            "2015",
            &[
                "金寨县大湾村种茶脱贫。",
                "中央提出，通过产业扶持、转移就业、易地搬迁等措施解决贫困人口脱贫。",
                "村民们说，日子越过越好。",
            ],
        );
        assert!(r.labels[1].region.is_empty(), "{:?}", r.labels[1].region);
        assert_eq!(r.labels[2].region, r.labels[0].region);
        assert!(!r.labels[2].region.is_empty());
    }

    #[test]
    fn central_givers_give_when_they_spend_or_are_assigned() {
        let central = vec!["中央与兵团/中央国家机关".to_string()];
        let (_, donor, _) =
            places("过渡期以来，中央财政累计投入衔接推进乡村振兴补助资金8500多亿元");
        assert_eq!(donor, central);
        let (_, donor, _) = places("人民军队在就近的4100个贫困村定点帮扶");
        assert_eq!(donor, central);
        let (_, donor, _) = places("天津、山东和37家中央定点帮扶单位，累计为甘肃实施项目");
        assert!(donor.contains(&central[0]), "{donor:?}");
        // Named without giving, the central budget gives nothing.
        let (_, donor, _) = places("中央财政收入增长放缓");
        assert!(donor.is_empty(), "{donor:?}");
        // Its funds are given whatever the clause says of them; a ministry's
        // project funds are a grant won (the seed labels), not aid.
        let (_, donor, _) = places("中央财政扶贫资金增长43.4%");
        assert_eq!(donor, central);
        let (_, donor, _) = places("我区获科技部重点专项项目资金2800万元");
        assert!(donor.is_empty(), "{donor:?}");
        // Central enterprises and banks by their own names (data/givers.toml),
        // giving by spending, lending or stationing cadres.
        let enterprise = vec!["中央与兵团/中央企业".to_string()];
        let (_, donor, _) = places("国家电网使用定点扶贫资金，将民族寄宿中学的锅炉改造");
        assert_eq!(donor, enterprise);
        let (_, donor, _) = places("农发行今年已投放各类扶贫贷款超1700亿元");
        assert_eq!(donor, enterprise);
        // As a sentence's subject, lending in a later clause.
        let (_, donor, _) = places("中国农业发展银行最新数据显示，今年累计投放扶贫贷款3235亿元");
        assert_eq!(donor, enterprise);
        let (_, donor, _) = places("国铁集团派驻青岗坪村的驻村书记郭兵");
        assert_eq!(donor, enterprise);
        let (_, donor, _) = places("中国工程院对口帮扶澜沧县");
        assert_eq!(donor, central);
        // Named as a place of work or a source, they give nothing.
        let (_, donor, _) = places("他在国家电网工作了十年");
        assert!(donor.is_empty(), "{donor:?}");
    }

    #[test]
    fn a_long_report_needs_many_paragraphs_naming_a_donor_for_it_to_be_the_articles() {
        let giving = "中央财政扶贫资金增长三成，对口支援工作继续加强。";
        let central = vec!["中央与兵团/中央国家机关".to_string()];
        // A short news item: two paragraphs make the article's donor.
        // (Not the lead: a lead's donor is the article's as a title's is.)
        let mut texts = vec!["群众生活持续改善。", giving, giving];
        let r = labelled("新闻", "2016-03-05", &texts);
        assert_eq!(r.labels[0].donor, central);
        // A government work report of 24 paragraphs: two are not enough.
        texts.extend(std::iter::repeat_n("经济运行总体平稳。", 21));
        let r = labelled("政府工作报告", "2016-03-05", &texts);
        assert_eq!(r.labels[1].donor, central);
        assert!(r.labels[0].donor.is_empty(), "{:?}", r.labels[0].donor);
    }

    #[test]
    fn the_stories_of_a_compilation_inherit_nothing_from_each_other() {
        let texts = [
            "山东援疆干部助力喀什发展",
            "山东省第十批援疆干部人才近日抵达喀什，开始为期三年的援疆工作。",
            "首艘国产大型邮轮完成试航",
            "昨晚，首艘国产大型邮轮完成了首次试航任务。",
            "全国夏粮收购进展顺利",
            "目前各地夏粮收购总体平稳，农民售粮积极。",
        ];
        let r = labelled("国内联播快讯", "2023-07-25", &texts);
        assert!(!r.labels[1].region.is_empty() && !r.labels[1].donor.is_empty());
        // The same items as one article: the aid story's places reach all.
        let article = labelled("山东援疆干部助力喀什发展", "2023-07-25", &texts[1..]);
        assert_eq!(article.labels[2].region, r.labels[1].region);
        for other in &r.labels[2..] {
            assert!(other.region.is_empty(), "{:?}", other.region);
            assert!(other.donor.is_empty(), "{:?}", other.donor);
            assert!(other.programme.is_empty(), "{:?}", other.programme);
        }
    }

    #[test]
    fn a_giver_in_a_paragraph_about_no_aid_is_no_donor() {
        let r = labelled(
            "秋粮收购",
            "2024-09-01",
            &["今年秋粮收购即将开始，中国农业发展银行安排1600亿元信贷资金用于秋粮收购。"],
        );
        assert!(r.labels[0].programme.is_empty());
        assert!(r.labels[0].donor.is_empty(), "{:?}", r.labels[0].donor);
        assert!(r.labels[0]
            .evidence
            .iter()
            .any(|e| e.ends_with("← no aid programme")));
        let r = labelled(
            "定点扶贫",
            "2024-09-01",
            &["中国农业发展银行安排1600亿元信贷资金支持定点扶贫县发展产业。"],
        );
        assert!(!r.labels[0].donor.is_empty());
    }

    #[test]
    fn a_count_before_a_giver_is_part_of_the_subject() {
        let central = vec!["中央与兵团/中央国家机关".to_string()];
        let (_, donor, _) =
            places("320个中央和国家机关等单位、21992家民营企业和贫困村一一结对，定点帮扶。");
        assert_eq!(donor, central);
        assert_eq!(without_count("此外，305家"), "此外，");
        assert_eq!(without_count("1.2万名"), "");
        assert_eq!(without_count("国家"), "国家");
        assert_eq!(without_count("一个"), "");
    }

    #[test]
    fn the_state_gives_only_as_the_subject_of_a_sentence_that_gives() {
        let central = vec!["中央与兵团/中央国家机关".to_string()];
        let (_, donor, _) = places("近70年来，国家累计为西藏投入教育经费超过2200亿元。");
        assert_eq!(donor, central);
        let (_, donor, _) = places("从1994年起，中央先后派出11批1.4万援藏干部。");
        assert_eq!(donor, central);
        // The first word of a longer name, or no giving in the sentence.
        let (_, donor, _) = places("国家扶贫工作重点县投入资金建设道路。");
        assert!(donor.is_empty(), "{donor:?}");
        let (_, donor, _) = places("国家将加强监测，防止返贫。");
        assert!(donor.is_empty(), "{donor:?}");
        // Not the subject: after a long lead.
        let (_, donor, _) = places("在脱贫攻坚的关键时期，各地积极响应，国家投入大量资金。");
        assert!(donor.is_empty(), "{donor:?}");
    }

    #[test]
    fn a_central_giver_as_subject_gives_in_any_clause_of_its_sentence() {
        let central = vec!["中央与兵团/中央国家机关".to_string()];
        let (_, donor, _) = places("人民军队传承发扬优良传统，就近定点帮扶4100个贫困村。");
        assert_eq!(donor, central);
        let (_, donor, _) = places("日前，教育部会同财政部启动援藏援疆万名教师支教计划。");
        assert_eq!(donor, central);
        // Not the subject: named after a long lead, as whom others support.
        let (_, donor, _) = places("会议强调，各级党委要关心部队建设，做好对口支援工作。");
        assert!(donor.is_empty(), "{donor:?}");
        // An item of a list of programme names is no giver, whatever the
        // words of aid after it.
        let (_, donor, _) =
            places("对东西部扶贫协作和对口支援、中央单位定点帮扶的对象，要增加力度。");
        assert!(donor.is_empty(), "{donor:?}");
        // Policy wording is no giving; nor is a later sentence's aid.
        let (_, donor, _) = places("财政部日前发布通知，支持中小企业发展。各地开展帮扶。");
        assert!(donor.is_empty(), "{donor:?}");
    }

    #[test]
    fn a_programme_word_names_its_recipient_in_an_article() {
        let r = labelled(
            "援疆干部献礼党的生日",
            "2020",
            &["今天，广东援疆干部来到帕米尔高原的国门前。江苏镇江的援疆干部也来了。"],
        );
        assert_eq!(r.labels[0].region, ["新疆维吾尔自治区"]);
    }

    #[test]
    fn the_lead_paragraph_names_the_article_s_donor() {
        // 援疆 names where the aid goes when no place there is named.
        let (region, _, _) = places("因为工作、进修，还曾经去援疆");
        assert_eq!(region, ["新疆维吾尔自治区"]);
        let (region, _, _) = places("江苏镇江的援疆干部来到帕米尔高原");
        assert_eq!(region, ["新疆维吾尔自治区"]);
        let (region, _, _) = places("援疆干部来到喀什地区");
        assert_eq!(region, ["新疆维吾尔自治区/喀什地区"]);
        // 四省藏区 is no part of 西藏.
        let (region, _, _) = places("四省藏区经济社会发展");
        assert!(region.is_empty(), "{region:?}");
        // Items of one list play one part.
        let (_, donor, _) = places("中央和国家机关、中央企业第十批援疆干部人才今天启程");
        assert_eq!(donor, ["中央与兵团/中央企业", "中央与兵团/中央国家机关"]);
        let (region, donor, _) = places("山东、江苏援疆干部来到喀什地区");
        assert_eq!(donor, ["山东省", "江苏省"]);
        assert_eq!(region, ["新疆维吾尔自治区/喀什地区"]);
        // A list that ends its clause makes no giver of its items.
        let (_, donor, _) = places("山东、江苏，援疆干部来到喀什");
        assert!(!donor.contains(&"山东省".to_string()), "{donor:?}");
        // A list of programme names names no giver.
        let (_, donor, _) = places("东西部扶贫协作、中央单位定点扶贫、军队扶贫持续推进");
        assert!(donor.is_empty(), "{donor:?}");
        let r = labelled(
            "雪域高原上的茶园",
            "2018",
            &[
                "广东第八批援藏工作队墨脱工作组来到墨脱县已经两年。",
                "工作组把援藏资金划分为28个项目，重点投向茶、旅、果等产业。",
            ],
        );
        assert_eq!(r.labels[1].donor, vec!["广东省"]);
    }

    #[test]
    fn dateline_and_home_region() {
        let r = labelled(
            "我区获科技部重点专项项目资金",
            "2020",
            &["本报拉萨讯（记者 李梅英）日前，我区获重点专项项目资金2800万元"],
        );
        assert_eq!(r.labels[0].region, vec![TIBET]);
        assert_eq!(r.labels[0].funding, vec![28_000_000.0]);
    }

    #[test]
    fn paired_aid_words_have_the_characters_looked_for() {
        for w in PAIRED_AID {
            assert!(w.contains(['援', '帮']), "{w}");
            assert!(has_paired_aid(&format!("前{w}后")), "{w}");
        }
        assert!(!has_paired_aid("援助和帮扶"));
    }

    #[test]
    fn deepest_paths_only() {
        assert_eq!(
            deepest(vec![
                "西藏自治区".into(),
                "西藏自治区/日喀则市".into(),
                "西藏自治区/拉萨市".into()
            ]),
            vec!["西藏自治区/拉萨市", "西藏自治区/日喀则市"]
        );
    }

    #[test]
    fn dominant_place_needs_a_clear_majority() {
        let a = vec!["西藏自治区/昌都市/芒康县".to_string()];
        let b = vec!["西藏自治区/昌都市/八宿县".to_string()];
        let c = vec!["西藏自治区/拉萨市".to_string()];
        let d = vec!["西藏自治区/昌都市/边坝县".to_string()];
        assert_eq!(dominant(&[], &[&a, &b, &d], 1), vec!["西藏自治区/昌都市"]);
        assert_eq!(
            dominant(&[], &[&a, &b, &a], 1),
            vec!["西藏自治区/昌都市/芒康县"]
        );
        assert_eq!(dominant(&[], &[&a, &c], 1), vec![TIBET]);
        // Several prefectures named together make no clear one.
        let four = vec![
            "西藏自治区/拉萨市".to_string(),
            "西藏自治区/山南市".to_string(),
            "西藏自治区/那曲市".to_string(),
        ];
        assert_eq!(dominant(&[], &[&four], 1), vec![TIBET]);
        assert_eq!(dominant(&[], &[&four, &c], 1), vec!["西藏自治区/拉萨市"]);
        assert_eq!(dominant(&[], &[&a, &c, &vec![]], 1), vec![TIBET]);
    }

    #[test]
    fn a_pair_short_name_gives_its_donor_in_its_own_paragraph_only() {
        let r = labelled(
            "习近平在宁夏考察",
            "2016",
            &[
                "习近平来到固原市泾源县大湾乡杨岭村，察看村容村貌。",
                "位于隆德县闽宁扶贫产业园的一家公司，是招商引资企业。",
                "宁夏回族自治区通过闽宁劳务协作等多种渠道，确保农村劳动力转移就业。",
            ],
        );
        assert!(r.labels[0].donor.is_empty(), "{:?}", r.labels[0]);
        assert_ne!(r.labels[0].programme, vec!["东西部协作"]);
        assert_eq!(r.labels[1].donor, vec!["福建省"]);
        assert_eq!(r.labels[1].programme, vec!["东西部协作"]);
        assert_eq!(r.labels[1].region, vec!["宁夏回族自治区/固原市/隆德县"]);
        assert_eq!(r.labels[2].donor, vec!["福建省"]);
        assert!(r.labels[2].programme.contains(&"东西部协作".to_string()));
        // A paragraph naming no place there is about the pair's recipient.
        let alone = labelled("时代楷模", "2020", &["闽宁协作久久为功、接续奋斗。"]);
        assert_eq!(alone.labels[0].region, vec!["宁夏回族自治区"]);
        assert_eq!(alone.labels[0].donor, vec!["福建省"]);
    }

    #[test]
    fn an_east_west_donor_city_is_not_the_region() {
        let r = labelled(
            "闽宁协作结硕果",
            "2020",
            &[
                "福建省与宁夏回族自治区携手推进闽宁协作，建设扶贫车间20个。",
                "福州市投入帮扶资金3000万元，用于固原市产业发展。",
            ],
        );
        assert_eq!(r.labels[0].region, vec!["宁夏回族自治区"]);
        assert_eq!(r.labels[0].donor, vec!["福建省"]);
        assert_eq!(r.labels[0].programme, vec!["东西部协作"]);
        assert!(!r.labels[1].region.iter().any(|p| p.starts_with("福建省")));
        assert!(r.labels[1].evidence.iter().any(|e| e.contains("pairing")));
    }

    #[test]
    fn a_word_of_aid_after_a_conjunction_opens_the_next_item() {
        let r = labelled(
            "东西部扶贫协作",
            "2019",
            &["座谈会上的重要讲话，让册亨县和对口帮扶的宁波市江北区，找到了扶贫协作的抓手。"],
        );
        assert_eq!(r.labels[0].donor, vec!["浙江省/宁波市/江北区"]);
        assert_eq!(
            r.labels[0].region,
            vec!["贵州省/黔西南布依族苗族自治州/册亨县"]
        );
        // A list of givers still gives (the word follows the last item).
        let r = labelled("援疆干部出发", "2019", &["山东和江苏援疆干部抵达喀什。"]);
        assert_eq!(
            r.labels[0].donor,
            vec!["山东省", "江苏省"],
            "{:?}",
            r.labels[0].evidence
        );
    }

    #[test]
    fn a_pairing_makes_a_donor_only_beside_its_recipient() {
        let r = labelled(
            "扎根高原的医生",
            "2020",
            &[
                "她放弃了去上海三甲医院工作的机会，来到桑日县人民医院。",
                "日喀则市人民医院新建了重症监护室。",
                "桑日县人民医院培训医生200名。",
                "援藏工作中，上海先后选派干部到日喀则工作。",
            ],
        );
        // 上海 gives to 日喀则 (data/pairings.tsv), named in the article, but
        // not to 桑日县, where she went to work: …
        assert!(r.labels[0].donor.is_empty(), "{:?}", r.labels[0].evidence);
        // … while a paragraph naming both gives the pairing's donor.
        assert_eq!(
            r.labels[3].donor,
            vec!["上海市"],
            "{:?}",
            r.labels[3].evidence
        );
        assert!(r.labels[3]
            .evidence
            .iter()
            .any(|e| e.starts_with("donor 上海市 ← pairing")));
        // A programme's word names its recipient (援疆 → 新疆), which is
        // enough for its known donors (江西 aids 克州).
        let r = labelled(
            "对口援疆 民生优先",
            "2023",
            &["对口援疆，民生优先。新的学期，江西省高标准建设的幼儿园投入使用。"],
        );
        assert_eq!(
            r.labels[0].donor,
            vec!["江西省"],
            "{:?}",
            r.labels[0].evidence
        );
        // A named province stands for none of its recipients: 天津 aids 昌都,
        // and a student from 西藏 studying in 天津 makes no donor of it.
        let r = labelled(
            "西藏学生在内地",
            "2021",
            &[
                "来自西藏的学生在天津读书。",
                "天津市援藏干部在昌都市卡若区开展培训。",
            ],
        );
        assert!(r.labels[0].donor.is_empty(), "{:?}", r.labels[0].evidence);
        assert_eq!(r.labels[1].donor, vec!["天津市"]);
    }

    #[test]
    fn a_recipient_is_not_the_donor_and_xinjiang_works_as_tibet_does() {
        let r = labelled(
            "浙江援疆助力阿克苏",
            "2019",
            &[
                "浙江援疆指挥部在阿克苏地区实施产业项目，带动就业5000人。",
                "阿克苏地区各族群众表示，感谢浙江的帮助。",
            ],
        );
        assert_eq!(r.labels[0].region, vec!["新疆维吾尔自治区/阿克苏地区"]);
        assert_eq!(r.labels[0].donor, vec!["浙江省"]);
        assert_eq!(r.labels[0].programme, vec!["援疆"]);
        assert!(!r.labels[1].donor.iter().any(|d| d.starts_with("新疆")));
        assert!(!r.labels[1].region.iter().any(|p| p.starts_with("浙江省")));
    }

    #[test]
    fn a_meeting_venue_and_a_departure_point_are_not_regions() {
        let r = labelled(
            "对口援疆工作推进会",
            "2021",
            &[
                "全国对口支援新疆工作会议在乌鲁木齐召开，部署喀什地区产业援疆。",
                "首批援疆干部从北京出发，奔赴和田地区。",
            ],
        );
        assert!(
            !r.labels[0].region.iter().any(|p| p.ends_with("乌鲁木齐市")),
            "{:?}",
            r.labels[0].region
        );
        assert!(r.labels[0].evidence.iter().any(|e| e.starts_with("venue")));
        assert!(!r.labels[1].region.iter().any(|p| p.starts_with("北京市")));
        assert!(!r.labels[1].donor.is_empty() || !r.labels[1].region.is_empty());
        // A ceremony's or a show's venue, but not a village's own rite.
        let alone = |text: &str| labelled("文化", "2021", &[text]).labels[0].region.clone();
        assert!(alone("第31届中国电视金鹰奖颁奖典礼在长沙举办。").is_empty());
        assert!(alone("纪录电影今天在北京举行首映式。").is_empty());
        assert!(alone("一年一度传统的开犁仪式在西藏山南克松社区举行。")
            .iter()
            .any(|p| p.contains("山南市")));
    }

    #[test]
    fn the_stops_of_a_tour_stand_for_the_place_they_share() {
        let r = labelled(
            "调研援疆工作",
            "2022",
            &[
                "赵乐际先后到和田、喀什、乌鲁木齐等地，走访看望援疆干部。",
                "中央宣讲团来到内蒙古、山东、湖南等地宣讲。",
                "工作队来到疏勒县、伽师县，帮助群众修路。",
            ],
        );
        assert_eq!(r.labels[0].region, ["新疆维吾尔自治区"]);
        assert!(r.labels[0].evidence.iter().any(|e| e.starts_with("stop")));
        // Stops in several provinces share none: no region from them.
        assert!(
            !r.labels[1]
                .region
                .iter()
                .any(|p| ["内蒙古", "山东", "湖南"].iter().any(|n| p.starts_with(n))),
            "{:?}",
            r.labels[1].region
        );
        // Places named one by one, not closed by 等地, are where the work is.
        assert_eq!(r.labels[2].region.len(), 2, "{:?}", r.labels[2].region);
    }

    #[test]
    fn programmes_come_from_words_pairings_and_the_article() {
        let r = labelled(
            "易地扶贫搬迁让群众住上新房",
            "2019",
            &[
                "安置点配套建设了学校和卫生室。",
                "第一书记带领村民发展养殖。",
                "今年全省经济平稳增长。",
            ],
        );
        assert_eq!(r.labels[0].programme, vec!["易地搬迁"]);
        assert_eq!(r.labels[1].programme, vec!["驻村帮扶"]);
        // Not about poverty relief itself, but in an article that is.
        assert_eq!(r.labels[2].programme, vec!["易地搬迁"]);
        assert_eq!(r.labels[2].report_year, vec![2019]);
        let plain = labelled("经济运行", "2019", &["今年全省经济平稳增长。"]);
        assert!(plain.labels[0].programme.is_empty());
    }

    #[test]
    fn givers_that_are_not_places_are_donors_under_their_own_root() {
        let r = labelled(
            "央企定点帮扶",
            "2020",
            &["中央企业定点帮扶贵州省毕节市，投入资金2亿元。"],
        );
        assert_eq!(r.labels[0].donor, vec!["中央与兵团/中央企业"]);
        assert_eq!(r.labels[0].region, vec!["贵州省/毕节市"]);
        assert_eq!(r.labels[0].programme, vec!["定点帮扶"]);
    }
}
