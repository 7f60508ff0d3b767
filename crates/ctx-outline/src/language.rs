//! The languages that have an outline, how a path maps to one, and which
//! grammar and node kinds each uses.

use std::path::Path;

/// A language ctx can outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// Rust.
    Rust,
    /// Python, including stub files.
    Python,
    /// JavaScript, including JSX.
    JavaScript,
    /// TypeScript without JSX.
    TypeScript,
    /// TypeScript with JSX.
    Tsx,
    /// Go.
    Go,
    /// Java.
    Java,
    /// C (`.c` only: headers go to C++).
    C,
    /// C++, and C headers.
    Cpp,
}

impl Language {
    /// Every language, in declaration order.
    pub const ALL: [Language; 9] = [
        Language::Rust,
        Language::Python,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::Go,
        Language::Java,
        Language::C,
        Language::Cpp,
    ];

    /// The language of a path by its extension, or None (the file has no outline).
    pub fn from_path(path: &str) -> Option<Language> {
        let ext = Path::new(path).extension()?.to_str()?;
        // `.C` and `.H` are C++ by old convention, and lowercasing gets that
        // for free since `.c` is the only extension C keeps for itself.
        let ext = if ext == "C" {
            "cpp".to_owned()
        } else {
            ext.to_ascii_lowercase()
        };
        let language = match ext.as_str() {
            "rs" => Language::Rust,
            "py" | "pyi" => Language::Python,
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            "go" => Language::Go,
            "java" => Language::Java,
            "c" => Language::C,
            // C headers are parsed as C++, which accepts them too, because a
            // `.h` is as often C++ and nothing in the name says which.
            "h" | "hh" | "hpp" | "hxx" | "cc" | "cpp" | "cxx" | "c++" => Language::Cpp,
            _ => return None,
        };
        Some(language)
    }

    /// Stable lowercase name ("rust", "python", "javascript", "typescript", "tsx", "go", "java", "c", "cpp"), used in cache keys and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::Go => "go",
            Language::Java => "java",
            Language::C => "c",
            Language::Cpp => "cpp",
        }
    }

    /// The position of this language in [`Language::ALL`], for per-language tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The tree-sitter grammar.
    pub(crate) fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Rust => tree_sitter_rust::LANGUAGE.into(),
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Go => tree_sitter_go::LANGUAGE.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::C => tree_sitter_c::LANGUAGE.into(),
            Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
        }
    }

    /// The kinds of node whose `body` field is a function body.
    pub(crate) fn function_kinds(self) -> &'static [&'static str] {
        match self {
            Language::Rust => &["function_item", "closure_expression"],
            Language::Python => &["function_definition"],
            Language::JavaScript | Language::TypeScript | Language::Tsx => &[
                "function_declaration",
                "function_expression",
                "generator_function_declaration",
                "generator_function",
                "arrow_function",
                "method_definition",
            ],
            Language::Go => &["function_declaration", "method_declaration", "func_literal"],
            Language::Java => &[
                "method_declaration",
                "constructor_declaration",
                "compact_constructor_declaration",
                "lambda_expression",
            ],
            Language::C => &["function_definition"],
            Language::Cpp => &["function_definition", "lambda_expression"],
        }
    }

    /// The kinds of comment node.
    pub(crate) fn comment_kinds(self) -> &'static [&'static str] {
        match self {
            Language::Rust | Language::Java => &["line_comment", "block_comment"],
            _ => &["comment"],
        }
    }

    /// Whether sources go through a preprocessor, whose macros leave parse
    /// errors in bodies that are sound.
    pub(crate) fn is_preprocessed(self) -> bool {
        matches!(self, Language::C | Language::Cpp)
    }

    /// Whether bodies are indented blocks after a colon rather than braces.
    pub(crate) fn is_indented(self) -> bool {
        self == Language::Python
    }
}
