//! Who may read what, through the router (issue 20): API keys by action,
//! expired and revoked keys, sign-in, sign-out and the sign-in throttle,
//! restricted reports invisible to other groups on every read path (hits,
//! totals, every facet count, suggestions, exports, both report URLs) and
//! visible to their own, and no answer remembered for one viewer served to
//! another.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use aidsearch::access::{self, AccessConfig, AccessFile, Action, PasswordCost};
use aidsearch::search::LiveEngine;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use common::restricted::{restricted, FUPIN_REPORT, LEADERS_REPORT};
use serde_json::Value;

const PASSWORD: &str = "雪域高原书写青春";

struct Site {
    _dir: tempfile::TempDir,
    file: std::path::PathBuf,
    /// Keys by name: all (扶贫办, every action), search (no group, search only),
    /// nogroup (no group, every action), leaders (领导), expired, revoked.
    keys: std::collections::HashMap<&'static str, String>,
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(access::FILE);
        let mut config = AccessConfig {
            // Cheap hashes: Argon2id at its production cost is slow in a
            // debug build. The hash records its cost, so this is all.
            password_cost: Some(PasswordCost {
                memory_kib: 64,
                iterations: 1,
            }),
            trusted_proxies: vec!["10.0.0.0/8".to_string()],
            ..AccessConfig::new().unwrap()
        };
        let g = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        config.add_user("fupin", PASSWORD, &g(&["扶贫办"])).unwrap();
        config.add_user("guest", PASSWORD, &[]).unwrap();
        config.add_user("throttled", PASSWORD, &[]).unwrap();
        let mut keys = std::collections::HashMap::new();
        let day = 86_400;
        keys.insert(
            "all",
            config
                .create_key("all", &g(&["扶贫办"]), &Action::ALL, day)
                .unwrap(),
        );
        keys.insert(
            "search",
            config
                .create_key("search", &[], &[Action::Search], day)
                .unwrap(),
        );
        keys.insert(
            "nogroup",
            config
                .create_key("nogroup", &[], &Action::ALL, day)
                .unwrap(),
        );
        keys.insert(
            "leaders",
            config
                .create_key("leaders", &g(&["领导"]), &Action::ALL, day)
                .unwrap(),
        );
        keys.insert(
            "expired",
            config
                .create_key("expired", &[], &Action::ALL, day)
                .unwrap(),
        );
        keys.insert(
            "revoked",
            config
                .create_key("revoked", &[], &Action::ALL, day)
                .unwrap(),
        );
        config
            .keys
            .iter_mut()
            .find(|k| k.name == "expired")
            .unwrap()
            .expires = access::now() - 1;
        config.revoke_key("revoked").unwrap();
        access::write(&file, &config).unwrap();
        Site {
            _dir: dir,
            file,
            keys,
        }
    })
}

fn app_over(live: Arc<LiveEngine>) -> axum::Router {
    let file = Arc::new(AccessFile::open(&site().file).unwrap());
    aidsearch::web::app(aidsearch::web::AppState::with_access(live, file, None))
}

fn app() -> axum::Router {
    static APP: OnceLock<axum::Router> = OnceLock::new();
    APP.get_or_init(|| app_over(restricted().live.clone()))
        .clone()
}

/// GET with a key (or none).
async fn get_as(key: Option<&str>, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::get(uri);
    if let Some(name) = key {
        request = request.header(
            header::AUTHORIZATION,
            format!("Bearer {}", site().keys[name]),
        );
    }
    let (status, headers, body) = common::send(app(), request.body(Body::empty()).unwrap()).await;
    (status, headers, String::from_utf8(body).unwrap())
}

async fn json_as(key: &str, uri: &str) -> Value {
    let (status, _, body) = get_as(Some(key), uri).await;
    assert_eq!(status, StatusCode::OK, "{key} {uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn error_code(body: &str) -> String {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    value["error"]["code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn keys_are_checked_by_action() {
    let search = "/api/search?q=%E6%8F%B4%E8%97%8F";
    let (status, headers, body) = get_as(None, search).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
    assert!(headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert_eq!(get_as(Some("search"), search).await.0, StatusCode::OK);
    assert_eq!(
        get_as(Some("search"), "/api/suggest?q=%E6%8F%B4").await.0,
        StatusCode::OK
    );
    for denied in [
        "/export.json?q=%E6%8F%B4%E8%97%8F",
        "/export.csv?q=%E6%8F%B4%E8%97%8F",
        "/api/facets",
        "/api/reports/2024-shandong-aid-to-tibet-30-years",
    ] {
        let (status, _, body) = get_as(Some("search"), denied).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{denied}");
        if denied != "/export.csv?q=%E6%8F%B4%E8%97%8F" {
            assert_eq!(error_code(&body), "forbidden");
        }
        assert_eq!(
            get_as(Some("all"), denied).await.0,
            StatusCode::OK,
            "{denied}"
        );
    }
    for refused in ["expired", "revoked"] {
        let (status, _, body) = get_as(Some(refused), search).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
        assert_eq!(error_code(&body), "unauthorized");
    }
    let forged = Request::get(search)
        .header(header::AUTHORIZATION, "Bearer aidk_0123456789ab_forged")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        common::send(app(), forged).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Load balancers and client generators need no key.
    for open in ["/healthz", "/readyz", "/api/openapi.json"] {
        assert_eq!(get_as(None, open).await.0, StatusCode::OK, "{open}");
    }
    // Without CORS configured a preflight is still a 405, not a 401.
    let preflight = Request::options("/api/search").body(Body::empty()).unwrap();
    assert_eq!(
        common::send(app(), preflight).await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let spec: Value = serde_json::from_str(&get_as(None, "/api/openapi.json").await.2).unwrap();
    assert_eq!(
        spec["components"]["securitySchemes"]["apiKey"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn cors_preflights_pass_without_credentials() {
    let file = Arc::new(AccessFile::open(&site().file).unwrap());
    let mut state = aidsearch::web::AppState::with_access(restricted().live.clone(), file, None);
    Arc::get_mut(&mut state).unwrap().cors_origins = vec!["https://dash.example.org".into()];
    let preflight = Request::options("/api/search")
        .header(header::ORIGIN, "https://dash.example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = common::send(aidsearch::web::app(state), preflight).await;
    assert!(status.is_success(), "{status}");
    assert!(headers
        .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .is_some_and(|h| h.to_str().unwrap().contains("authorization")));
}

/// POST the login form from `address` (the peer, as the server inserts it).
async fn sign_in(
    user: &str,
    password: &str,
    next: &str,
    peer: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let form = format!(
        "username={}&password={}&next={}",
        common::enc(user),
        common::enc(password),
        common::enc(next)
    );
    let mut request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(Body::from(form))
        .unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let (status, headers, body) = common::send(app(), request).await;
    (status, headers, String::from_utf8(body).unwrap())
}

fn cookie_of(headers: &axum::http::HeaderMap) -> String {
    let set = headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

async fn page_with(cookie: &str, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = common::send(app(), request).await;
    (status, headers, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn staff_sign_in_return_to_their_search_and_sign_out() {
    let results = "/?q=%E6%8F%B4%E8%97%8F&sector=%E5%8C%BB%E7%96%97%E5%8D%AB%E7%94%9F";
    // Signed out: the login page, which will come back to the same search.
    let (status, headers, _) = page_with("", results).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let login = headers[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(login, format!("/login?next={}", common::enc(results)));
    let (status, _, page) = page_with("", &login).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("用户名") && page.contains("密码") && page.contains("登录"));
    assert!(
        page.contains("value=\"/?q=%E6%8F%B4%E8%97%8F&#38;sector="),
        "next kept: {page}"
    );
    assert!(!page.contains("退出登录"), "no sign-out before sign-in");

    let (status, _, page) = sign_in("fupin", "wrong password", results, "127.0.0.1:1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("用户名或密码不正确"));

    // Behind a trusted proxy that says https, the cookie is Secure.
    let (status, headers, _) = sign_in("fupin", PASSWORD, results, "10.0.0.5:40000").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], results);
    let set = headers[header::SET_COOKIE].to_str().unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set.contains(part), "{part} in {set}");
    }
    // From an untrusted peer the same header does not make it Secure.
    let (_, plain, _) = sign_in("fupin", PASSWORD, "/", "192.0.2.7:1").await;
    assert!(!plain[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Secure"));

    let cookie = cookie_of(&headers);
    let (status, _, page) = page_with(&cookie, results).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("退出登录"));
    assert_eq!(
        page_with(&cookie, "/api/search?q=x").await.0,
        StatusCode::OK
    );
    // A forged or foreign cookie is no session.
    let forged = format!("{}x", cookie);
    assert_eq!(
        page_with(&forged, "/api/search?q=x").await.0,
        StatusCode::UNAUTHORIZED
    );

    let logout = Request::post("/logout")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = common::send(app(), logout).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cleared = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("aidsearch_session=;") && cleared.contains("Max-Age=0"));
}

#[tokio::test]
async fn failed_sign_ins_are_slowed_per_user_and_address() {
    for _ in 0..access::throttle::FREE_FAILURES {
        let (status, _, _) = sign_in("throttled", "wrong password", "/", "192.0.2.50:1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits, from any address for this user…
    let (status, headers, page) = sign_in("throttled", PASSWORD, "/", "192.0.2.51:1").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert!(page.contains("登录失败次数过多"));
    // …and for any user from this address.
    let (status, _, _) = sign_in("guest", PASSWORD, "/", "192.0.2.50:2").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another user from another address is not slowed.
    let (status, _, _) = sign_in("guest", PASSWORD, "/", "192.0.2.52:1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// Every count of a search: total, exact total, and each facet's values.
fn counts(response: &Value) -> Value {
    serde_json::json!({
        "total": response["total"],
        "exact_total": response["exact_total"],
        "relaxed": response["relaxed"],
        "facets": response["facets"],
        "warnings": response["warnings"],
    })
}

fn report_ids(response: &Value) -> Vec<String> {
    response["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["report"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// The same request, through an app over an index of only what the viewer
/// may read, with no access file.
async fn oracle(live: Arc<LiveEngine>, uri: &str) -> Value {
    let app = aidsearch::web::app(aidsearch::web::AppState::new(live));
    let (status, _, body) = common::send(app, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{uri}");
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn a_restricted_report_is_invisible_to_other_groups_everywhere() {
    let indexes = restricted();
    // 毕宝锋 leads the Zibo team: he is in the restricted report only.
    let name = common::enc("毕宝锋");
    let queries = [
        format!("/api/search?q={name}"),
        "/api/search?q=".to_string(),
        format!("/api/search?q={}&per_page=100", common::enc("援藏")),
        format!("/api/search?q={}", common::enc("昂仁县 医院")),
        format!(
            "/api/search?q=&region={}",
            common::enc("西藏自治区/日喀则市/昂仁县")
        ),
        format!("/api/search?q=&donor={}", common::enc("山东省/淄博市")),
        format!(
            "/api/search?q=&sector={}&year=2020",
            common::enc("医疗卫生")
        ),
    ];
    for uri in &queries {
        let guest = json_as("nogroup", uri).await;
        let expected = oracle(indexes.open_only.clone(), uri).await;
        assert_eq!(counts(&guest), counts(&expected), "no group: {uri}");
        assert!(!report_ids(&guest)
            .iter()
            .any(|r| r == FUPIN_REPORT || r == LEADERS_REPORT));
        let fupin = json_as("all", uri).await;
        let expected = oracle(indexes.fupin_only.clone(), uri).await;
        assert_eq!(counts(&fupin), counts(&expected), "扶贫办: {uri}");
        assert!(!report_ids(&fupin).iter().any(|r| r == LEADERS_REPORT));
    }
    // The name itself: found by its group, nothing (and no suggestion
    // built from it) for the others.
    let found = json_as("all", &queries[0]).await;
    assert!(found["total"].as_u64().unwrap() > 0);
    assert!(report_ids(&found).iter().all(|r| r == FUPIN_REPORT));
    let hidden = json_as("nogroup", &queries[0]).await;
    assert_eq!(hidden["total"], 0);
    assert!(
        !hidden.to_string().contains("毕宝锋援藏") && !hidden.to_string().contains(FUPIN_REPORT)
    );
    assert_eq!(json_as("leaders", &queries[0]).await["total"], 0);

    // A misspelling: its related term (and the "did you mean" one edit
    // away) stands only in the restricted report, so only its group is
    // offered it or finds anything through it.
    let typo = format!("/api/search?q={}", common::enc("毕宝峰"));
    let widened = json_as("all", &typo).await;
    assert!(widened["total"].as_u64().unwrap() > 0, "{widened}");
    assert!(widened.to_string().contains("毕宝锋"));
    let kept = json_as("nogroup", &typo).await;
    assert_eq!(kept["total"], 0);
    assert!(
        kept["expanded"].as_array().is_none_or(Vec::is_empty),
        "{kept}"
    );
    assert!(!kept.to_string().contains("毕宝锋"), "{kept}");

    // Facet trees, every count.
    for uri in ["/api/facets", "/api/facets?q=%E5%8C%BB%E9%99%A2"] {
        let guest = json_as("nogroup", uri).await;
        assert_eq!(guest, oracle(indexes.open_only.clone(), uri).await, "{uri}");
    }

    // Completion of its title.
    let title = common::enc("在雪域高原书写无悔");
    let suggest = format!("/api/suggest?q={title}");
    let mine = json_as("all", &suggest).await;
    assert!(mine.to_string().contains("毕宝锋"), "{mine}");
    let theirs = json_as("nogroup", &suggest).await;
    assert!(!theirs.to_string().contains("毕宝锋"), "{theirs}");

    // Exports.
    let export = format!("/export.json?q={}", common::enc("援藏"));
    let guest = json_as("nogroup", &export).await;
    assert!(!guest.to_string().contains(FUPIN_REPORT));
    assert_eq!(
        guest["total"],
        oracle(indexes.open_only.clone(), &export).await["total"]
    );
    assert!(json_as("all", &export)
        .await
        .to_string()
        .contains(FUPIN_REPORT));
    let (status, _, csv) = get_as(Some("nogroup"), &format!("/export.csv?q={name}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!csv.contains(FUPIN_REPORT) && !csv.contains("毕宝锋"));

    // Both report URLs: 404 as for a report that does not exist.
    for uri in [
        format!("/api/reports/{FUPIN_REPORT}"),
        format!("/report/{FUPIN_REPORT}"),
    ] {
        let (status, _, body) = get_as(Some("nogroup"), &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!body.contains("毕宝锋"));
        let (status, _, body) = get_as(Some("leaders"), &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!body.contains("毕宝锋"));
        let (status, _, body) = get_as(Some("all"), &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.contains("毕宝锋"));
    }
    // The folder default restricts the report below it to 领导.
    let (status, _, _) = get_as(Some("leaders"), &format!("/api/reports/{LEADERS_REPORT}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = get_as(Some("all"), &format!("/api/reports/{LEADERS_REPORT}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn remembered_answers_do_not_cross_viewers() {
    // The same URL, asked first by the group that may read the report and
    // then by a key without it, on one server (one response memory).
    let uri = format!("/api/search?q={}&per_page=3", common::enc("淄博市"));
    let first = json_as("all", &uri).await;
    assert!(first["total"].as_u64().unwrap() > 0);
    let second = json_as("nogroup", &uri).await;
    assert!(!report_ids(&second).iter().any(|r| r == FUPIN_REPORT));
    assert_eq!(
        counts(&second),
        counts(&oracle(restricted().open_only.clone(), &uri).await)
    );
    // And back: the group still gets its own answer.
    assert_eq!(counts(&json_as("all", &uri).await), counts(&first));
}

/// A sentence that finds nothing in its own words is searched with its
/// words' related and mined terms (`search::sentence`): only terms that
/// stand in what the viewer may read are offered or searched, as for a
/// failing word. Here 毕宝峰's related 毕宝锋 stands only in 扶贫办's report.
#[tokio::test]
async fn a_sentence_widens_only_to_terms_the_viewer_may_read() {
    let uri = format!(
        "/api/search?q={}",
        common::enc("毕宝峰带领工作组到乡镇调研")
    );
    let theirs = json_as("nogroup", &uri).await;
    assert!(!theirs.to_string().contains("毕宝锋"), "{theirs}");
    assert!(!report_ids(&theirs)
        .iter()
        .any(|r| r == FUPIN_REPORT || r == LEADERS_REPORT));
    assert_eq!(
        counts(&theirs),
        counts(&oracle(restricted().open_only.clone(), &uri).await)
    );
    let mine = json_as("all", &uri).await;
    assert!(mine.to_string().contains("毕宝锋"), "{mine}");
}

fn aidsearch(args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aidsearch"))
        .args(args)
        .env_remove("AIDSEARCH_AUTH")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_cli_maintains_the_file_and_searches_as_a_user_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.toml");
    let file_arg = file.to_str().unwrap();
    let root = restricted().root.to_str().unwrap().to_string();
    // A cheap cost for this test's hashes, set as the README says.
    let config = AccessConfig {
        password_cost: Some(PasswordCost {
            memory_kib: 64,
            iterations: 1,
        }),
        ..AccessConfig::new().unwrap()
    };
    access::write(&file, &config).unwrap();
    let added = aidsearch(
        &[
            "user",
            "add",
            "zhang",
            "--group",
            "扶贫办",
            "--password-stdin",
            "--auth",
            file_arg,
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let listed = aidsearch(&["user", "list", "--auth", file_arg], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("zhang"));
    let created = aidsearch(
        &[
            "key",
            "create",
            "dash",
            "--expires",
            "90d",
            "--action",
            "search",
            "--auth",
            file_arg,
        ],
        "",
    );
    assert!(created.status.success());
    let key = String::from_utf8(created.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(key.starts_with("aidk_"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&key), "only the key's hash is kept");
    assert!(!text.contains(PASSWORD));

    let total = |who: &[&str]| -> u64 {
        let mut args = vec![
            "search",
            "毕宝锋",
            "--json",
            "--index",
            &root,
            "--auth",
            file_arg,
        ];
        args.extend_from_slice(who);
        let out = aidsearch(&args, "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value: Value = serde_json::from_slice(&out.stdout).unwrap();
        value["total"].as_u64().unwrap()
    };
    let everything = total(&[]);
    assert!(everything > 0);
    assert_eq!(total(&["--user", "zhang"]), everything);
    assert_eq!(
        total(&["--key", &key]),
        0,
        "a key of no group reads open reports only"
    );
    let revoked = aidsearch(&["key", "revoke", "dash", "--auth", file_arg], "");
    assert!(revoked.status.success());
    let refused = aidsearch(
        &[
            "search", "x", "--index", &root, "--auth", file_arg, "--key", &key,
        ],
        "",
    );
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn serve_refuses_the_network_without_an_access_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = restricted().root.to_str().unwrap().to_string();
    let empty = dir.path().join("no-index");
    let out = aidsearch(
        &[
            "serve",
            "--addr",
            "0.0.0.0:0",
            "--index",
            empty.to_str().unwrap(),
            "--corpus",
            &root,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("without an access file") && message.contains("--no-auth"),
        "{message}"
    );
    assert!(!empty.exists(), "refused before building anything");

    // With --no-auth it starts, and says so.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aidsearch"))
        .args([
            "serve",
            "--addr",
            "0.0.0.0:0",
            "--no-auth",
            "--index",
            &root,
            "--drain-grace",
            "0",
        ])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (seen, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if seen.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut warned = false;
    while std::time::Instant::now() < deadline && !warned {
        if let Ok(line) = lines.recv_timeout(std::time::Duration::from_millis(200)) {
            warned = line.contains("WARN") && line.contains("--no-auth");
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(warned, "no --no-auth warning at start");
}

#[test]
fn a_folder_access_file_restricts_what_is_below_it_and_an_incremental_reindex_follows_it() {
    use aidsearch::search::{search, Engine, Scope, SearchRequest};
    let dir = tempfile::tempdir().unwrap();
    let (corpus, root) = (dir.path().join("corpus"), dir.path().join("index"));
    std::fs::create_dir_all(corpus.join("internal/2024")).unwrap();
    std::fs::write(
        corpus.join("internal/2024/a.txt"),
        "日喀则市教育援藏项目顺利完工。",
    )
    .unwrap();
    std::fs::write(corpus.join("b.txt"), "拉萨海关开展饮用水检测。").unwrap();
    aidsearch::index::build::reindex(&corpus, &root).unwrap();
    let total = |scope: Scope| {
        let engine = Engine::open(&root).unwrap();
        let request = SearchRequest {
            scope,
            ..SearchRequest::query("")
        };
        search(&engine, &request).unwrap().total
    };
    assert_eq!(total(Scope::open_only()), 2);

    // A file two folders up restricts it; the incremental reindex re-reads it.
    std::fs::write(
        corpus.join("internal/_access.toml"),
        "access = [\"领导\"]\n",
    )
    .unwrap();
    aidsearch::index::build::reindex_incremental(&corpus, &root).unwrap();
    assert_eq!(total(Scope::open_only()), 1);
    assert_eq!(total(Scope::groups(["领导"])), 2);
    assert_eq!(total(Scope::Everything), 2);

    // A malformed one skips what is below it, never indexes it as open.
    std::fs::write(corpus.join("internal/_access.toml"), "access = [\"*\"]\n").unwrap();
    let loaded = aidsearch::corpus::load_dir(&corpus).unwrap();
    assert_eq!(loaded.reports.len(), 1);
    assert!(
        loaded
            .skipped
            .iter()
            .any(|s| s.reason.contains("folder access")),
        "{:?}",
        loaded.skipped
    );
}

#[tokio::test]
async fn the_audit_log_records_key_use_and_exports_apart_from_the_request_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(aidsearch::web::audit::FILE);
    let file = Arc::new(AccessFile::open(&site().file).unwrap());
    let app = aidsearch::web::app(aidsearch::web::AppState::with_access(
        restricted().live.clone(),
        file,
        Some(aidsearch::web::audit::AuditLog::new(log.clone())),
    ));
    let key = format!("Bearer {}", site().keys["all"]);
    let export = Request::get("/export.json?q=%E6%8F%B4%E8%97%8F")
        .header(header::AUTHORIZATION, &key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(common::send(app.clone(), export).await.0, StatusCode::OK);
    let refused = Request::get("/api/search?q=x")
        .header(header::AUTHORIZATION, "Bearer nonsense")
        .body(Body::empty())
        .unwrap();
    assert_eq!(common::send(app, refused).await.0, StatusCode::UNAUTHORIZED);
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["key_use", "export", "key_refused"], "{lines:?}");
    assert_eq!(lines[0]["who"], "key:all");
    assert_eq!(lines[1]["query"], "q=%E6%8F%B4%E8%97%8F");
    assert!(lines[1]["rows"].as_u64().unwrap() > 0);
}

/// Whether a query relaxes to "most words" weighs its words by how rare
/// they are. A word common only in restricted reports must weigh, for a
/// viewer who cannot read them, what it weighs in what that viewer can:
/// here 饮用水 is nowhere in the open reports, so a search for all three
/// words may not fall back to 教育 and 医疗 alone, as it would if the
/// restricted paragraphs made 饮用水 look common.
#[test]
fn whether_a_query_relaxes_does_not_depend_on_restricted_reports() {
    use aidsearch::search::{search, Engine, Scope, SearchRequest};
    let dir = tempfile::tempdir().unwrap();
    let write = |corpus: &str, restricted: bool| {
        let folder = dir.path().join(corpus);
        std::fs::create_dir_all(&folder).unwrap();
        let open: Vec<String> = (1..=5)
            .map(|i| format!("第{i}中学的教育和县医院的医疗工作稳步推进。"))
            .collect();
        std::fs::write(folder.join("open.txt"), open.join("\n\n")).unwrap();
        if restricted {
            let closed: Vec<String> = (1..=30)
                .map(|i| format!("第{i}个村完成饮用水检测。"))
                .collect();
            std::fs::write(folder.join("closed.txt"), closed.join("\n\n")).unwrap();
            std::fs::write(folder.join("closed.toml"), "access = [\"领导\"]\n").unwrap();
        }
        let root = dir.path().join(format!("{corpus}-index"));
        aidsearch::index::build::reindex(&folder, &root).unwrap();
        Engine::open(&root).unwrap()
    };
    let all = write("all", true);
    let open_only = write("open", false);
    let request = SearchRequest::query("教育 医疗 饮用水");
    let truth = search(&open_only, &request).unwrap();
    let seen = search(
        &all,
        &SearchRequest {
            scope: Scope::open_only(),
            ..request.clone()
        },
    )
    .unwrap();
    assert_eq!(
        (seen.total, seen.relaxed),
        (truth.total, truth.relaxed),
        "the open-only viewer relaxes as the index of open reports does"
    );
}

/// `/readyz` is open to load balancers: its paragraph count is that of the
/// open reports, or it would say how much is restricted.
#[tokio::test]
async fn the_open_probe_counts_only_open_paragraphs() {
    let indexes = restricted();
    let (status, _, body) = get_as(None, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    let open = indexes.open_only.get().num_docs();
    assert_eq!(ready["documents"], open);
    assert!(
        open < indexes.live.get().num_docs(),
        "the fixture restricts something"
    );
}

/// The report view groups what the viewer may read: the same reports and
/// counts as over an index of only those.
#[tokio::test]
async fn the_report_view_lists_only_what_the_viewer_may_read() {
    let indexes = restricted();
    for uri in [
        "/api/search?q=&view=reports&per_page=100".to_string(),
        format!(
            "/api/search?q={}&view=reports&per_page=100",
            common::enc("援藏")
        ),
    ] {
        let guest = json_as("nogroup", &uri).await;
        let expected = oracle(indexes.open_only.clone(), &uri).await;
        assert_eq!(guest["report_total"], expected["report_total"], "{uri}");
        // The same reports with the same counts; reports of one
        // date tie, and ties follow each index's own report numbering.
        // (Scores are BM25 over the whole index's statistics: not compared.)
        let by_id = |response: &Value| {
            let mut reports: Vec<(String, u64)> = response["reports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["report"]["id"].as_str().unwrap().to_string(),
                        r["matching"].as_u64().unwrap(),
                    )
                })
                .collect();
            reports.sort();
            reports
        };
        assert_eq!(by_id(&guest), by_id(&expected), "{uri}");
        let ids: Vec<&str> = guest["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["report"]["id"].as_str().unwrap())
            .collect();
        assert!(
            !ids.contains(&FUPIN_REPORT) && !ids.contains(&LEADERS_REPORT),
            "{ids:?}"
        );
        let everyone = json_as("all", &uri).await;
        assert!(
            everyone["report_total"].as_u64() > guest["report_total"].as_u64(),
            "{uri}"
        );
    }
}
