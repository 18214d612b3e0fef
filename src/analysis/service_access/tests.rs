//! Service access and its what-ifs on small networks and layers built here.

use super::*;

#[test]
fn spec_reads_from_json_with_defaults() {
    let spec: AccessSpec = serde_json::from_str(
        r#"{"network":"n","demand":{"layer":"d","population":"p"},
            "supply":[{"layer":"s","filter":{"category":"grocery"}}]}"#,
    )
    .unwrap();
    assert_eq!(spec.mode, Mode::Network);
    assert_eq!(spec.bands, Bands::default());
    assert_eq!(threshold_of(&spec), 30.0);
    assert!(spec.validate().is_ok());
    let straight = AccessSpec {
        mode: Mode::StraightLine,
        ..spec
    };
    assert!(matches!(
        straight.validate(),
        Err(AnalysisError::Invalid(_))
    ));
}
