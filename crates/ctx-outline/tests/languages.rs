//! Which paths have an outline, and in which language.

use ctx_outline::Language;

#[test]
fn every_extension_maps_to_its_language() {
    let cases = [
        ("src/main.rs", Language::Rust),
        ("a.py", Language::Python),
        ("typings/a.pyi", Language::Python),
        ("a.js", Language::JavaScript),
        ("a.mjs", Language::JavaScript),
        ("a.cjs", Language::JavaScript),
        ("App.jsx", Language::JavaScript),
        ("a.ts", Language::TypeScript),
        ("index.d.ts", Language::TypeScript),
        ("a.mts", Language::TypeScript),
        ("a.cts", Language::TypeScript),
        ("App.tsx", Language::Tsx),
        ("main.go", Language::Go),
        ("Main.java", Language::Java),
        ("a.c", Language::C),
        ("a.h", Language::Cpp),
        ("a.hh", Language::Cpp),
        ("a.hpp", Language::Cpp),
        ("a.hxx", Language::Cpp),
        ("a.cc", Language::Cpp),
        ("a.cpp", Language::Cpp),
        ("a.cxx", Language::Cpp),
        ("a.c++", Language::Cpp),
        ("A.C", Language::Cpp),
        ("LIB.RS", Language::Rust),
        ("dir.v2/x.go", Language::Go),
    ];
    for (path, language) in cases {
        assert_eq!(Language::from_path(path), Some(language), "{path}");
    }
}

#[test]
fn other_files_have_no_language() {
    for path in [
        "README.md",
        "Cargo.toml",
        "Makefile",
        "rs",
        ".rs",
        "data.json",
        "a.rs.bak",
        "src/",
        "image.png",
        "",
        "script.sh",
    ] {
        assert_eq!(Language::from_path(path), None, "{path}");
    }
}

#[test]
fn names_are_stable() {
    let names: Vec<_> = Language::ALL.iter().map(|l| l.name()).collect();
    assert_eq!(
        names,
        [
            "rust",
            "python",
            "javascript",
            "typescript",
            "tsx",
            "go",
            "java",
            "c",
            "cpp"
        ]
    );
}
