//! One test per fixed bug, named after what it protects. Each says in a
//! comment what went wrong before the fix.

mod common;

use aidsearch::search::{search, SearchRequest};

/// `report:ID` typed into a query was parsed as a filter and then dropped,
/// so the search ran over every report although the README documents it.
#[test]
fn report_typed_in_the_query_narrows_to_that_report() {
    let engine = common::engine();
    let id = "2020-lhasa-customs-poverty-alleviation-1";
    let everywhere = search(&engine, &SearchRequest::query("扶贫")).expect("search");
    let typed =
        search(&engine, &SearchRequest::query(&format!("扶贫 report:{id}"))).expect("search");
    let by_parameter = search(
        &engine,
        &SearchRequest {
            report: Some(id.to_string()),
            ..SearchRequest::query("扶贫")
        },
    )
    .expect("search");
    assert!(typed.total > 0, "the report says 扶贫");
    assert!(
        typed.total < everywhere.total,
        "{} of {} hits: the filter was ignored",
        typed.total,
        everywhere.total
    );
    assert!(typed.hits.iter().all(|h| h.report.id == id));
    assert_eq!(typed.total, by_parameter.total);
    // An unknown report matches nothing rather than everything.
    let unknown =
        search(&engine, &SearchRequest::query("扶贫 report:no-such-report")).expect("search");
    assert_eq!(unknown.total, 0);
}
