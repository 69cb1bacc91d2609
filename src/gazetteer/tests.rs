use super::*;

fn g() -> &'static Gazetteer {
    Gazetteer::global()
}

/// Paths of the mentions in `text`.
fn paths(text: &str) -> Vec<&'static str> {
    g().mentions(text)
        .into_iter()
        .map(|m| m.place.path.as_str())
        .collect()
}

/// Official names of the mentions in `text`.
fn found(text: &str) -> Vec<&'static str> {
    g().mentions(text)
        .into_iter()
        .map(|m| m.place.name.as_str())
        .collect()
}

fn resolved(name: &str) -> Option<&'static str> {
    g().resolve(name).map(|p| p.path.as_str())
}

/// The matches `mentions` starts from, found the plain way: at each
/// character the longest candidate starting there, then on after it.
fn longest_matches(text: &str) -> Vec<(usize, usize, &'static str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let best = g()
            .candidates
            .iter()
            .filter(|cand| text[i..].starts_with(&*cand.text))
            .max_by_key(|cand| cand.text.len());
        match best {
            Some(cand) => {
                out.push((i, i + cand.text.len(), &*cand.text));
                i += cand.text.len();
            }
            None => i += c.len_utf8(),
        }
    }
    out
}

#[test]
fn matcher_finds_the_longest_candidate_at_each_position() {
    let mut texts: Vec<String> = vec![
        "拉萨市城关区和日喀则市桑珠孜区，隆重庆祝，天山南北".into(),
        "北京中路江苏路，白朗县贡嘎实业，林芝市巴宜区".into(),
    ];
    // Every candidate inside text, next to others.
    let all: Vec<&str> = g().candidates.iter().map(|c| &*c.text).collect();
    for chunk in all.chunks(7) {
        texts.push(chunk.join("在"));
        texts.push(chunk.concat());
    }
    for text in &texts {
        let found: Vec<(usize, usize, &str)> = g()
            .matcher
            .find_iter(text.as_str())
            .map(|m| {
                let cand = &g().candidates[m.pattern().as_usize()];
                (m.start(), m.end(), &*cand.text)
            })
            .collect();
        assert_eq!(found, longest_matches(text), "{text}");
    }
}

#[test]
fn shipped_data_parses_with_expected_counts() {
    let count = |l| g().places().iter().filter(|p| p.level == l).count();
    assert_eq!(count(Level::Province), 34);
    assert_eq!(count(Level::Prefecture), 333);
    // Every county-level division of the ministry's table of 2024.
    assert_eq!(count(Level::County), 2846);
    // Districts of the municipalities and counties governed by their
    // province sit right under the province.
    for path in [
        "北京市/朝阳区",
        "重庆市/梁平区",
        "湖北省/仙桃市",
        "海南省/琼海市",
    ] {
        let p = g().by_path(path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(p.level, Level::County);
        assert_eq!(g().parent(p).unwrap().level, Level::Province);
    }
    assert_eq!(g().children("北京市").len(), 16);
    assert!(std::ptr::eq(g(), Gazetteer::global()));
}

#[test]
fn tibet_has_seven_prefectures_and_74_county_level_divisions() {
    let prefs: Vec<&str> = g()
        .children("西藏自治区")
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        prefs,
        [
            "拉萨市",
            "日喀则市",
            "昌都市",
            "林芝市",
            "山南市",
            "那曲市",
            "阿里地区"
        ]
    );
    // Official count as of 2023/2024: 8 districts, 2 county-level cities, 64 counties.
    let expected = [
        ("拉萨市", 8),
        ("日喀则市", 18),
        ("昌都市", 11),
        ("林芝市", 7),
        ("山南市", 12),
        ("那曲市", 11),
        ("阿里地区", 7),
    ];
    let mut total = 0;
    for (pref, n) in expected {
        let kids = g().children(&format!("西藏自治区/{pref}"));
        assert_eq!(kids.len(), n, "{pref}");
        assert!(kids.iter().all(|k| k.level == Level::County));
        total += kids.len();
    }
    assert_eq!(total, 74);
    let counties = g()
        .places()
        .iter()
        .filter(|p| p.is_within("西藏自治区") && p.level == Level::County);
    let (mut districts, mut cities, mut others) = (0, 0, 0);
    for p in counties {
        match p.name.chars().last() {
            Some('区') => districts += 1,
            Some('市') => cities += 1,
            _ => others += 1,
        }
    }
    assert_eq!((districts, cities, others), (8, 2, 64));
}

#[test]
fn children_are_in_code_order() {
    let kids = g().children("西藏自治区/拉萨市");
    assert_eq!(kids[0].name, "城关区");
    assert!(kids.windows(2).all(|w| w[0].code < w[1].code));
    assert!(g().children("西藏自治区/拉萨市/城关区").is_empty());
    assert!(g().children("不存在").is_empty());
    let provinces: Vec<_> = g()
        .places()
        .iter()
        .filter(|p| p.level == Level::Province)
        .collect();
    assert_eq!(provinces.len(), 34);
}

#[test]
fn recent_tibet_changes_use_new_names() {
    assert_eq!(resolved("达孜县"), Some("西藏自治区/拉萨市/达孜区"));
    assert_eq!(resolved("堆龙德庆县"), Some("西藏自治区/拉萨市/堆龙德庆区"));
    assert_eq!(resolved("乃东县"), Some("西藏自治区/山南市/乃东区"));
    assert_eq!(resolved("那曲县"), Some("西藏自治区/那曲市/色尼区"));
    assert_eq!(resolved("米林县"), Some("西藏自治区/林芝市/米林市"));
    assert_eq!(resolved("错那县"), Some("西藏自治区/山南市/错那市"));
    assert_eq!(resolved("林芝县"), Some("西藏自治区/林芝市/巴宜区"));
    assert_eq!(resolved("昌都县"), Some("西藏自治区/昌都市/卡若区"));
    assert_eq!(
        g().by_path("西藏自治区/那曲市").map(|p| p.code),
        Some(540600)
    );
    assert_eq!(
        g().by_path("西藏自治区/阿里地区").map(|p| p.level),
        Some(Level::Prefecture)
    );
    assert!(g().by_path("西藏自治区/那曲地区").is_none());
    assert!(g().by_path("山东省/莱芜市").is_none());
    assert_eq!(resolved("莱芜"), Some("山东省/济南市"));
}

#[test]
fn national_changes_since_2016_use_new_names_and_keep_old_ones() {
    // Re-typed (县 → 市, 县 → 区) under a new code: the older name resolves
    // to the division today and is found in text.
    assert_eq!(resolved("宁乡市"), Some("湖南省/长沙市/宁乡市"));
    assert_eq!(resolved("宁乡县"), Some("湖南省/长沙市/宁乡市"));
    assert_eq!(
        resolved("库车县"),
        Some("新疆维吾尔自治区/阿克苏地区/库车市")
    );
    assert_eq!(resolved("横县"), Some("广西壮族自治区/南宁市/横州市"));
    assert_eq!(resolved("盘县"), Some("贵州省/六盘水市/盘州市"));
    assert_eq!(
        found("湖南省宁乡县和库车县"),
        ["湖南省", "宁乡市", "库车市"]
    );
    assert!(g().by_path("湖南省/长沙市/宁乡县").is_none());
    // Renamed under its code, and merged with a successor named by hand.
    assert_eq!(resolved("桥西区"), None, "several 桥西区, none 邢台's now");
    assert_eq!(
        g().resolve_all("桥西区")
            .iter()
            .map(|p| p.path.as_str())
            .collect::<Vec<_>>(),
        ["河北省/石家庄市/桥西区", "河北省/张家口市/桥西区"]
    );
    assert_eq!(resolved("信都区"), Some("河北省/邢台市/信都区"));
    assert_eq!(resolved("许昌县"), Some("河南省/许昌市/建安区"));
    assert_eq!(resolved("下城区"), Some("浙江省/杭州市/拱墅区"));
    // New divisions, and one that moved to another prefecture.
    assert_eq!(
        g().by_path("新疆维吾尔自治区/白杨市").map(|p| p.level),
        Some(Level::County)
    );
    assert!(g().by_path("新疆维吾尔自治区/和田地区/和安县").is_some());
    assert!(g().by_path("吉林省/长春市/公主岭市").is_some());
    assert!(g().by_path("吉林省/四平市/公主岭市").is_none());
    // Split between several divisions: gone, not guessed.
    assert_eq!(resolved("邯郸县"), None);
    // A stop phrase keeps a new name out of a word.
    assert!(found("四平城区多个小区").is_empty());
}

#[test]
fn aliases_resolve_to_official_places() {
    let cases = [
        ("日喀则", "西藏自治区/日喀则市"),
        ("日喀则市", "西藏自治区/日喀则市"),
        ("日喀则地区", "西藏自治区/日喀则市"),
        ("昌都地区", "西藏自治区/昌都市"),
        ("山南地区", "西藏自治区/山南市"),
        ("林芝地区", "西藏自治区/林芝市"),
        ("那曲地区", "西藏自治区/那曲市"),
        ("阿里", "西藏自治区/阿里地区"),
        ("西藏", "西藏自治区"),
        ("拉萨经开区", "西藏自治区/拉萨市"),
        ("拉萨经济技术开发区", "西藏自治区/拉萨市"),
        ("柳梧新区", "西藏自治区/拉萨市"),
        ("昂仁", "西藏自治区/日喀则市/昂仁县"),
        ("芒康", "西藏自治区/昌都市/芒康县"),
        ("白朗", "西藏自治区/日喀则市/白朗县"),
        ("扎达", "西藏自治区/阿里地区/札达县"),
        ("山东", "山东省"),
        ("重庆", "重庆市"),
        ("北京", "北京市"),
        ("新疆", "新疆维吾尔自治区"),
        ("香港", "香港特别行政区"),
        ("内蒙", "内蒙古自治区"),
        ("淄博", "山东省/淄博市"),
        ("甘孜州", "四川省/甘孜藏族自治州"),
        ("海南州", "青海省/海南藏族自治州"),
        ("海南", "海南省"),
    ];
    for (name, path) in cases {
        assert_eq!(resolved(name), Some(path), "{name}");
    }
    assert_eq!(resolved("  昂仁县 "), Some("西藏自治区/日喀则市/昂仁县"));
    assert_eq!(resolved("鲁"), None);
    assert_eq!(resolved("渝"), None);
    assert_eq!(resolved("火星"), None);
    assert_eq!(resolved(""), None);
}

#[test]
fn strict_aliases_resolve_but_are_not_names_for_text() {
    assert_eq!(resolved("比如"), Some("西藏自治区/那曲市/比如县"));
    assert_eq!(resolved("尼玛"), Some("西藏自治区/那曲市/尼玛县"));
    assert_eq!(resolved("城关"), None, "拉萨's and 兰州's");
    assert_eq!(g().resolve_all("城关").len(), 2);
    assert_eq!(resolved("吉林"), Some("吉林省"));
    assert_eq!(resolved("吉林市"), Some("吉林省/吉林市"));
    let strict = g().strict_aliases();
    for a in [
        "比如", "尼玛", "安多", "定日", "城关", "普兰", "改则", "吉林", "白山", "黄山",
    ] {
        assert!(strict.contains(&a), "{a}");
    }
    let names = g().all_names();
    assert!(names.contains(&"日喀则"));
    assert!(names.contains(&"比如县"));
    assert!(names.contains(&"西藏自治区"));
    assert!(!names.contains(&"比如"));
    assert!(!names.contains(&"天山南"), "stop phrases are not names");
    assert!(names.iter().all(|n| n.chars().count() >= 2));
}

#[test]
fn hierarchy() {
    let p = g().resolve("昂仁县").unwrap();
    assert!(p.path.starts_with("西藏自治区/日喀则市/"));
    assert_eq!(p.level, Level::County);
    assert_eq!(p.code, 540226);
    assert_eq!(p.parent_path(), Some("西藏自治区/日喀则市"));
    let parent = g().parent(p).unwrap();
    assert_eq!(parent.name, "日喀则市");
    assert_eq!(g().parent(parent).unwrap().name, "西藏自治区");
    assert!(g().parent(g().resolve("西藏").unwrap()).is_none());
    assert!(p.is_within("西藏自治区"));
    assert!(!p.is_within("西藏自治区/日喀"));
    assert!(Level::Province < Level::County);
}

#[test]
fn resolve_paths() {
    assert_eq!(resolved("西藏自治区/日喀则市"), Some("西藏自治区/日喀则市"));
    assert_eq!(
        resolved("西藏自治区/日喀则市/昂仁县"),
        Some("西藏自治区/日喀则市/昂仁县")
    );
    assert_eq!(resolved("日喀则/昂仁"), Some("西藏自治区/日喀则市/昂仁县"));
    assert_eq!(
        resolved("西藏/那曲地区/比如"),
        Some("西藏自治区/那曲市/比如县")
    );
    assert_eq!(resolved("拉萨/昂仁"), None, "昂仁 is not in 拉萨");
    assert_eq!(resolved("昂仁/昂仁"), None);
    assert_eq!(resolved("西藏自治区/不存在"), None);
}

#[test]
fn county_in_running_text() {
    let text = "淄博市第九批援藏干部人才抵达西藏自治区日喀则市昂仁县";
    assert_eq!(found(text), ["淄博市", "西藏自治区", "日喀则市", "昂仁县"]);
    for m in g().mentions(text) {
        assert_eq!(&text[m.start..m.end], m.surface);
    }
    let ms = g().mentions(text);
    assert_eq!(ms[0].start, 0);
    assert_eq!(ms[3].end, text.len());
    assert_eq!(ms[3].place.path, "西藏自治区/日喀则市/昂仁县");
}

#[test]
fn short_forms_in_running_text() {
    assert_eq!(
        paths("山东援藏干部在日喀则昂仁开展工作"),
        [
            "山东省",
            "西藏自治区/日喀则市",
            "西藏自治区/日喀则市/昂仁县"
        ]
    );
    assert_eq!(found("重庆对口支援昌都地区"), ["重庆市", "昌都市"]);
    assert_eq!(found("拉萨经开区招商"), ["拉萨市"]);
    assert_eq!(found("芒康、白朗两县"), ["芒康县", "白朗县"]);
    assert_eq!(found("从那曲地区到阿里"), ["那曲市", "阿里地区"]);
    assert_eq!(found("达孜县和堆龙德庆县"), ["达孜区", "堆龙德庆区"]);
    assert_eq!(
        found("北京、上海、天津、广东"),
        ["北京市", "上海市", "天津市", "广东省"]
    );
}

#[test]
fn longest_match_wins() {
    let ms = g().mentions("拉萨市城关区");
    assert_eq!(ms.len(), 2);
    assert_eq!(
        (ms[0].surface.as_str(), ms[0].place.name.as_str()),
        ("拉萨市", "拉萨市")
    );
    assert_eq!(ms[1].surface, "城关区");
    assert_eq!(found("西藏自治区"), ["西藏自治区"]);
    assert_eq!(found("拉萨经济技术开发区"), ["拉萨市"]);
    assert_eq!(found("马鞍山"), ["马鞍山市"]);
    assert_eq!(found("工布江达县"), ["工布江达县"]);
    assert_eq!(found("白朗县"), ["白朗县"]);
}

#[test]
fn no_false_match_inside_longer_words() {
    for text in [
        "比如说，我们要确定日期。",
        "城关镇的群众",
        "隆重庆祝建党百年",
        "天山南北",
        "吉隆坡",
        "阿里巴巴",
        "探索县域经济",
        "二十八宿",
        "准噶尔盆地",
        "出海口",
        "挪威海",
        "施用复合肥",
        "相当雄厚",
        "四季长春",
        "万古长春",
        "黄山",
        "中山大学",
        "长治久安",
        "幸福安康",
        "日照充足",
        "世界大同",
        "白山黑水",
        "一朝阳光",
        "确定西部",
        "六十周年大庆",
        "尼玛次仁",
        "安多藏区",
        "定结果",
        "老城区改造",
        "沿海城市",
        "人民勤劳",
        "报道真相",
        "利率和政策",
        "投资兴业",
        "世界首位",
    ] {
        assert_eq!(found(text), Vec::<&str>::new(), "{text}");
    }
    // Longer words that are places of their own now.
    assert_eq!(found("普兰店"), ["普兰店区"]);
    assert_eq!(found("五大连池"), ["五大连池市"]);
    assert_eq!(found("峨眉山"), ["峨眉山市"]);
}

#[test]
fn stop_phrases_do_not_hide_neighbours() {
    assert_eq!(found("比如说昂仁县"), ["昂仁县"]);
    assert_eq!(found("隆重庆祝山南市成立"), ["山南市"]);
    assert_eq!(found("确定日喀则"), ["日喀则市"]);
    assert_eq!(found("来自贡嘎县"), ["贡嘎县"]);
}

#[test]
fn full_names_match_where_short_forms_do_not() {
    assert_eq!(found("比如县"), ["比如县"]);
    assert_eq!(found("尼玛县"), ["尼玛县"]);
    assert_eq!(found("定日县"), ["定日县"]);
    assert_eq!(found("安多县"), ["安多县"]);
    assert_eq!(found("拉萨市城关区"), ["拉萨市", "城关区"]);
    assert_eq!(found("吉林省和吉林市"), ["吉林省", "吉林市"]);
    assert_eq!(found("黄山市"), ["黄山市"]);
    assert_eq!(found("朗县和索县"), ["朗县", "索县"]);
    assert_eq!(found("比如县级财政"), Vec::<&str>::new());
}

#[test]
fn warships_named_after_cities_are_not_places() {
    assert_eq!(
        found("由导弹驱逐舰济南舰、导弹护卫舰益阳舰组成的编队抵达雅加达"),
        Vec::<&str>::new()
    );
    assert_eq!(found("编队从青岛解缆起航"), ["青岛市"]);
}

#[test]
fn military_regions_named_after_cities_are_not_places() {
    assert_eq!(
        found("济南军区总医院、南京军区总医院的医疗队定点帮扶困难群众"),
        Vec::<&str>::new()
    );
    assert_eq!(found("南京的医疗队"), ["南京市"]);
}

#[test]
fn streets_are_not_places() {
    assert_eq!(found("拉萨市北京中路"), ["拉萨市"]);
    assert_eq!(found("上海南京路"), ["上海市"]);
    assert_eq!(found("色尼区浙江西路3号"), ["色尼区"]);
    assert_eq!(found("日喀则上海路"), ["日喀则市"]);
    assert_eq!(found("江苏大道"), Vec::<&str>::new());
    assert_eq!(found("中山南路"), Vec::<&str>::new());
    // Not a street: 路上, 路线 …
    assert_eq!(found("去西藏路上"), ["西藏自治区"]);
    assert_eq!(found("北京路线"), ["北京市"]);
    // Official names are never taken for streets.
    assert_eq!(found("北京市路政局"), ["北京市"]);
}

#[test]
fn townships_of_county_aliases() {
    // A county short form followed by 乡/镇/村 names a township or village.
    assert_eq!(found("昂仁乡"), Vec::<&str>::new());
    assert_eq!(found("白朗镇"), Vec::<&str>::new());
    // … unless that is an ordinary word.
    assert_eq!(found("昂仁乡村振兴"), ["昂仁县"]);
    assert_eq!(found("芒康村民"), ["芒康县"]);
    assert_eq!(found("昂仁县乡镇"), ["昂仁县"]);
    // Known towns are listed as aliases of their county.
    assert_eq!(paths("江孜镇"), ["西藏自治区/日喀则市/江孜县"]);
    assert_eq!(found("吉隆镇口岸"), ["吉隆县"]);
    assert_eq!(found("八一镇"), ["巴宜区"]);
    // Prefecture and province short forms are not affected.
    assert_eq!(found("西藏乡村振兴"), ["西藏自治区"]);
    assert_eq!(found("日喀则乡镇干部"), ["日喀则市"]);
}

#[test]
fn villages_and_subdistricts_named_after_wider_places_are_not_them() {
    // 马鞍山村 is a village of 喀喇沁旗, 河南街道 a subdistrict, 凉山村 a village
    // of 威宁: none of them is the prefecture or province of that name.
    assert_eq!(found("前往河南街道马鞍山村"), Vec::<&str>::new());
    assert_eq!(
        found("贵州威宁县凉山村"),
        ["贵州省", "威宁彝族回族苗族自治县"]
    );
    // Words that 村 begins keep the place (村民, 村级, 村村通).
    assert_eq!(found("山东村民"), ["山东省"]);
    assert_eq!(found("西藏村村通工程"), ["西藏自治区"]);
}

#[test]
fn county_aliases_inside_other_places_are_not_counties() {
    // 贡嘎 is 山南's county, but after 白朗县 or a village it names a company or product.
    assert_eq!(
        found("日喀则市白朗县贡嘎实业发展有限公司"),
        ["日喀则市", "白朗县"]
    );
    assert_eq!(found("巴扎村贡嘎藏毯传统产业厂房"), Vec::<&str>::new());
    assert_eq!(found("来自贡嘎的学生"), ["贡嘎县"]);
    // Official names are not affected.
    assert_eq!(found("日喀则市白朗县"), ["日喀则市", "白朗县"]);
}

#[test]
fn strict_aliases_in_lists_of_counties() {
    assert_eq!(
        found("在白朗、措勤、聂荣三县试点"),
        ["白朗县", "措勤县", "聂荣县"]
    );
    assert_eq!(found("在聂荣、白朗两县"), ["聂荣县", "白朗县"]);
    assert_eq!(
        found("白朗、定日、定结等3个县"),
        ["白朗县", "定日县", "定结县"]
    );
    // Chains: two strict aliases in a row after a county.
    assert_eq!(found("措勤、比如、安多"), ["措勤县", "比如县", "安多县"]);
    // Not a list of counties: a person's name, or no county next to it.
    assert_eq!(found("白朗、尼玛次仁"), ["白朗县"]);
    assert_eq!(found("扎西尼玛、白朗县"), ["白朗县"]);
    assert_eq!(found("比如、定日"), Vec::<&str>::new());
}

#[test]
fn short_county_names_standing_alone_where_their_province_is_named() {
    // A one-character stem and 县 is a county after a word boundary when the
    // text or the caller's context names its province or prefecture.
    assert_eq!(found("在山西，临县陈国坪村第一书记"), ["山西省", "临县"]);
    assert_eq!(
        found("广西住建厅干部是横县云表镇的驻村干部"),
        ["广西壮族自治区", "横州市"]
    );
    let in_context = g().mentions_with_context("这几天，曹县扶贫办主任刘勇", &["山东省"]);
    let names: Vec<&str> = in_context.iter().map(|m| m.place.name.as_str()).collect();
    assert_eq!(names, ["曹县"]);
    // Without its province it stays a strict name.
    assert_eq!(found("这几天，曹县扶贫办主任刘勇"), Vec::<&str>::new());
    // Inside ordinary words (示范县, 担任县委, 濒临县城) or before a word that
    // 县 begins (县城, 县级), it is no county.
    assert_eq!(found("河南建设示范县"), ["河南省"]);
    assert_eq!(found("河北干部担任县委副书记"), ["河北省"]);
    assert_eq!(found("山西：村子濒临县城"), ["山西省"]);
    assert_eq!(found("山西：在临县城开会"), ["山西省"]);
}

#[test]
fn international_names_that_hold_a_city_are_not_it() {
    // The Shanghai Cooperation Organisation, and 巴中 as Pakistan and China.
    assert_eq!(found("出席上海合作组织青岛峰会"), ["青岛市"]);
    assert_eq!(found("巴中友谊源远流长"), Vec::<&str>::new());
    assert_eq!(found("四川巴中市通江县"), ["四川省", "巴中市", "通江县"]);
}

#[test]
fn mentions_handle_mixed_text() {
    assert!(g().mentions("").is_empty());
    assert!(g().mentions("plain ASCII text 123").is_empty());
    let text = "2024年，🙂 西藏 Lhasa 拉萨";
    let ms = g().mentions(text);
    assert_eq!(ms.len(), 2);
    for m in &ms {
        assert_eq!(&text[m.start..m.end], m.surface);
    }
}

#[test]
fn counties_across_the_aid_regions() {
    let cases = [
        (
            "援疆干部在莎车县开展工作",
            "新疆维吾尔自治区/喀什地区/莎车县",
        ),
        ("莎车的核桃", "新疆维吾尔自治区/喀什地区/莎车县"),
        ("玉树州称多县", "青海省/玉树藏族自治州/称多县"),
        ("甘孜州理塘县", "四川省/甘孜藏族自治州/理塘县"),
        ("临夏州东乡县", "甘肃省/临夏回族自治州/东乡族自治县"),
        (
            "怒江州贡山县",
            "云南省/怒江傈僳族自治州/贡山独龙族怒族自治县",
        ),
        ("固原市西吉县", "宁夏回族自治区/固原市/西吉县"),
        ("毕节市威宁县", "贵州省/毕节市/威宁彝族回族苗族自治县"),
        ("河池市都安县", "广西壮族自治区/河池市/都安瑶族自治县"),
        ("日喀则市昂仁县", "西藏自治区/日喀则市/昂仁县"),
    ];
    for (text, path) in cases {
        let ps = paths(text);
        assert_eq!(ps.last(), Some(&path), "{text}: {ps:?}");
    }
    assert_eq!(
        resolved("石柱土家族自治县"),
        Some("重庆市/石柱土家族自治县")
    );
    assert_eq!(resolved("石柱县"), Some("重庆市/石柱土家族自治县"));
    assert_eq!(found("北京市朝阳区"), ["北京市", "朝阳区"]);
    assert_eq!(paths("北京市朝阳区")[1], "北京市/朝阳区");
}

#[test]
fn shared_names_resolve_only_with_a_path() {
    let all: Vec<&str> = g()
        .resolve_all("鼓楼区")
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(
        all,
        [
            "江苏省/南京市/鼓楼区",
            "江苏省/徐州市/鼓楼区",
            "福建省/福州市/鼓楼区",
            "河南省/开封市/鼓楼区"
        ]
    );
    assert_eq!(resolved("鼓楼区"), None);
    assert_eq!(resolved("福州/鼓楼区"), Some("福建省/福州市/鼓楼区"));
    assert_eq!(resolved("福建/鼓楼区"), Some("福建省/福州市/鼓楼区"));
    assert_eq!(resolved("江苏省/鼓楼区"), None, "南京's and 徐州's");
    assert_eq!(g().resolve_all("江苏省/鼓楼区").len(), 2);
    assert_eq!(
        resolved("福建省/福州市/鼓楼区"),
        Some("福建省/福州市/鼓楼区")
    );
    assert_eq!(resolved("北京/朝阳区"), Some("北京市/朝阳区"));
    assert_eq!(resolved("长春/朝阳区"), Some("吉林省/长春市/朝阳区"));
    assert_eq!(resolved("朝阳"), Some("辽宁省/朝阳市"));
    assert_eq!(resolved("厦门/鼓楼区"), None);
    assert!(g().resolve_all("火星").is_empty());
    // Each name once, for jieba and suggestions.
    let names = g().all_names();
    assert_eq!(names.iter().filter(|n| **n == "鼓楼区").count(), 1);
}

#[test]
fn shared_names_in_text_take_the_place_named_before_them() {
    assert_eq!(
        paths("福州市鼓楼区"),
        ["福建省/福州市", "福建省/福州市/鼓楼区"]
    );
    assert_eq!(paths("福建省鼓楼区"), ["福建省", "福建省/福州市/鼓楼区"]);
    assert_eq!(
        paths("江苏省南京市鼓楼区"),
        ["江苏省", "江苏省/南京市", "江苏省/南京市/鼓楼区"]
    );
    assert_eq!(
        paths("兰州市城关区"),
        ["甘肃省/兰州市", "甘肃省/兰州市/城关区"]
    );
}

#[test]
fn shared_names_in_text_take_the_other_places_of_the_text() {
    assert_eq!(
        paths("福州市召开会议，鼓楼区代表发言"),
        ["福建省/福州市", "福建省/福州市/鼓楼区"]
    );
    // A place of the same province settles it when only one candidate is there.
    assert_eq!(
        paths("鼓楼区与仓山区"),
        ["福建省/福州市/鼓楼区", "福建省/福州市/仓山区"]
    );
    assert_eq!(
        paths("徐州鼓楼区"),
        ["江苏省/徐州市", "江苏省/徐州市/鼓楼区"]
    );
    // … or the context the caller knows (the article's places).
    let with = |text: &str, context: &[&str]| -> Vec<String> {
        g().mentions_with_context(text, context)
            .into_iter()
            .map(|m| m.place.path.clone())
            .collect()
    };
    assert_eq!(
        with("鼓楼区开展工作", &["江苏省/南京市"]),
        ["江苏省/南京市/鼓楼区"]
    );
    assert_eq!(
        with("鼓楼区开展工作", &["河南省"]),
        ["河南省/开封市/鼓楼区"]
    );
    assert_eq!(
        with("城关区", &["西藏自治区/拉萨市/达孜区"]),
        ["西藏自治区/拉萨市/城关区"]
    );
    // Two candidates as near: 新华区 of 石家庄 and of 沧州, both in 河北.
    assert!(with("新华区", &["河北省"]).is_empty());
    assert_eq!(with("新华区", &["河北省/沧州市"]), ["河北省/沧州市/新华区"]);
    // Unknown context paths are ignored.
    assert!(with("鼓楼区", &["火星"]).is_empty());
}

#[test]
fn shared_names_without_context_are_dropped() {
    assert!(found("鼓楼区的群众").is_empty());
    assert!(found("朝阳区").is_empty());
    assert_eq!(g().scan("鼓楼区的群众", &[]).unresolved, 1);
    let scan = g().scan("南京市鼓楼区", &[]);
    assert_eq!((scan.found.len(), scan.unresolved), (2, 0));
    // Not a place named before it: 西藏 is no enclosing place of any 鼓楼区.
    assert_eq!(found("西藏鼓楼区"), ["西藏自治区"]);
}

#[test]
fn strict_official_names_after_their_enclosing_place() {
    assert_eq!(found("信阳市新县"), ["信阳市", "新县"]);
    assert_eq!(found("河南省新县"), ["河南省", "新县"]);
    assert_eq!(found("马鞍山市和县"), ["马鞍山市", "和县"]);
    assert_eq!(paths("阳泉市城区"), ["山西省/阳泉市", "山西省/阳泉市/城区"]);
    for text in [
        "新县城",
        "省委和县委",
        "完成县级财政",
        "城区面积",
        "信阳市区",
    ] {
        assert!(!found(text).contains(&"新县"), "{text}");
        assert!(
            found(text)
                .iter()
                .all(|n| !["和县", "成县", "城区"].contains(n)),
            "{text}: {:?}",
            found(text)
        );
    }
    // In a list of counties next to a county.
    assert_eq!(found("息县、新县、光山县"), ["息县", "新县", "光山县"]);
}

#[test]
fn landmark_villages_are_their_counties() {
    assert_eq!(found("习近平来到十八洞村"), ["花垣县"]);
    assert_eq!(found("在宁夏闽宁镇"), ["宁夏回族自治区", "永宁县"]);
    // After its county it names something inside it: the county once.
    assert_eq!(found("花垣县十八洞村"), ["花垣县"]);
}

#[test]
fn strict_county_aliases_after_their_enclosing_place() {
    // 精河 and 大化 alone are strict (最大化 holds 大化); after their
    // province they are the counties.
    assert_eq!(found("新疆精河6.6级地震"), ["新疆维吾尔自治区", "精河县"]);
    assert_eq!(found("广西大化"), ["广西壮族自治区", "大化瑶族自治县"]);
    assert!(found("利益最大化").is_empty());
    assert!(!found("精河地震").contains(&"精河县"));
    // A strict official name that is also a strict alias: still once.
    assert_eq!(found("临沂市费县"), ["临沂市", "费县"]);
}

#[test]
fn parse_small_files() {
    let tsv = "# comment\n\
               1\tA省\t1\tAA\n\
               2\tA省/B市\t2\tBB\tBx\n\
               3\tA省/B市/C县\t3\n\
               stop\tXA省Y\n";
    let g = Gazetteer::parse(tsv).unwrap();
    assert_eq!(g.places().len(), 3);
    assert_eq!(g.resolve("BB").unwrap().name, "B市");
    assert_eq!(g.resolve("Bx").unwrap().name, "B市");
    assert_eq!(g.children("A省/B市")[0].name, "C县");
    let m: Vec<_> = g
        .mentions("A省B市BBXA省Y")
        .iter()
        .map(|m| m.surface.clone())
        .collect();
    assert_eq!(m, ["A省", "B市", "BB"]);
    assert_eq!(g.all_names(), ["A省", "B市", "C县", "AA", "BB"]);
}

#[test]
fn parse_shared_names_and_strict_official_names() {
    let tsv = "1\tA省\t1\tA\n\
               2\tA省/B市\t2\tB\n\
               3\tA省/B市/X区\t3\tX\n\
               4\tC省\t1\n\
               5\tC省/X区\t3\t\tX区\n\
               6\tC省/D县\t3\n";
    let g = Gazetteer::parse(tsv).unwrap();
    assert_eq!(g.resolve("X区"), None);
    assert_eq!(g.resolve_all("X区").len(), 2);
    assert_eq!(g.resolve("B/X区").map(|p| p.code), Some(3));
    assert_eq!(g.resolve("C省/X区").map(|p| p.code), Some(5));
    assert_eq!(g.resolve("X").map(|p| p.code), Some(3));
    let codes =
        |text: &str| -> Vec<u32> { g.mentions(text).iter().map(|m| m.place.code).collect() };
    // 5's official name is strict: only after C省, or in a list of counties.
    assert_eq!(codes("X区"), [3]);
    assert_eq!(codes("C省X区"), [4, 5]);
    assert_eq!(codes("B市X区"), [2, 3]);
    assert_eq!(codes("D县、X区"), [6, 3]);
    assert_eq!(
        g.all_names(),
        ["A省", "B市", "X区", "C省", "D县", "A", "B", "X"]
    );
    assert_eq!(g.strict_aliases(), ["X区"]);
}

#[test]
fn parse_rejects_bad_data() {
    let bad = [
        "x\tA省\t1\n",
        "1\tA省\t4\n",
        "1\tA省/B市\t1\n",
        "1\tA省/B市\t2\n",
        "1\tA省\t1\n1\tA省\t1\n",
        "1\tA省\t1\tA|A\n",
        "1\tA省\n",
        "1\tA省\t1\nstop\tA省\n",
        "stop\ta\tb\n",
    ];
    for tsv in bad {
        assert!(Gazetteer::parse(tsv).is_err(), "{tsv:?}");
    }
    assert!(Gazetteer::parse("").unwrap().places().is_empty());
}
