//! A small lexer: turns source text into tokens.

use std::iter::Peekable;
use std::str::CharIndices;

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Ident(String),
    Number(f64),
    Str(String),
    Keyword(Keyword),
    Punct(char),
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Keyword {
    Let,
    Fn,
    Return,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

pub struct Lexer<'a> {
    src: &'a str,
    chars: Peekable<CharIndices<'a>>,
    peeked: Option<Token>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Self { src, chars: src.char_indices().peekable(), peeked: None }
    }

    pub fn peek_token(&mut self) -> &Token {
        if self.peeked.is_none() {
            let token = self.lex();
            self.peeked = Some(token);
        }
        self.peeked.as_ref().expect("just filled")
    }

    pub fn next_token(&mut self) -> Token {
        if let Some(token) = self.peeked.take() {
            return token;
        }
        self.lex()
    }

    fn lex(&mut self) -> Token {
        while let Some(&(_, c)) = self.chars.peek() {
            if !c.is_whitespace() {
                break;
            }
            self.chars.next();
        }
        let Some((start, c)) = self.chars.next() else {
            let end = self.src.len();
            return Token { kind: TokenKind::Eof, start: end, end };
        };
        let kind = match c {
            'a'..='z' | 'A'..='Z' | '_' => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, c)) = self.chars.peek() {
                    if !(c.is_alphanumeric() || c == '_') {
                        break;
                    }
                    end = i + c.len_utf8();
                    self.chars.next();
                }
                let word = &self.src[start..end];
                match word {
                    "let" => TokenKind::Keyword(Keyword::Let),
                    "fn" => TokenKind::Keyword(Keyword::Fn),
                    "return" => TokenKind::Keyword(Keyword::Return),
                    _ => TokenKind::Ident(word.to_owned()),
                }
            }
            '0'..='9' => TokenKind::Number(f64::from(c.to_digit(10).unwrap_or(0))),
            other => TokenKind::Punct(other),
        };
        let end = self.chars.peek().map_or(self.src.len(), |&(i, _)| i);
        Token { kind, start, end }
    }
}

pub fn tokenize(src: &str) -> Vec<Token> {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token();
        let done = token.kind == TokenKind::Eof;
        tokens.push(token);
        if done {
            return tokens;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_identifiers() {
        let tokens = tokenize("let token = next_token");
        assert_eq!(tokens[0].kind, TokenKind::Keyword(Keyword::Let));
        assert_eq!(tokens[1].kind, TokenKind::Ident("token".into()));
        let secret_token = &tokens[3];
        assert_eq!(secret_token.kind, TokenKind::Ident("next_token".into()));
    }
}
