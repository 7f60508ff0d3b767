//! The outline of one realistic file per language, pinned.

use ctx_outline::{Language, outline};

fn outlined(path: &str, source: &str) -> String {
    let language = Language::from_path(path).expect("a fixture has a language");
    outline(language, source)
        .expect("every fixture elides something")
        .text(source)
}

macro_rules! fixture {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            let source = include_str!(concat!("fixtures/", $file));
            insta::assert_snapshot!(outlined($file, source));
        }
    };
}

fixture!(rust, "sample.rs");
fixture!(python, "sample.py");
fixture!(javascript, "sample.js");
fixture!(typescript, "sample.ts");
fixture!(tsx, "sample.tsx");
fixture!(go, "sample.go");
fixture!(java, "Sample.java");
fixture!(c, "sample.c");
fixture!(cpp, "sample.cpp");
