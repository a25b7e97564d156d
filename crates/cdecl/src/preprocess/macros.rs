//! Macro definitions: what `#define` records, checked as gcc checks it.

use std::rc::Rc;

use super::intern::{sym, Sym};
use super::token::{Kind, Loc, PpTok, SPACE};
use crate::error::Directive;

/// Macros computed by the preprocessor itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    File,
    Line,
    Counter,
    IncludeLevel,
    BaseFile,
    Date,
    Time,
    Timestamp,
    /// `_Pragma("...")`
    Pragma,
    HasInclude,
    HasIncludeNext,
    HasAttribute,
    HasCppAttribute,
    HasCAttribute,
    HasBuiltinFn,
}

impl Builtin {
    pub(crate) const ALL: &'static [(&'static str, Builtin)] = &[
        ("__FILE__", Builtin::File),
        ("__LINE__", Builtin::Line),
        ("__COUNTER__", Builtin::Counter),
        ("__INCLUDE_LEVEL__", Builtin::IncludeLevel),
        ("__BASE_FILE__", Builtin::BaseFile),
        ("__DATE__", Builtin::Date),
        ("__TIME__", Builtin::Time),
        ("__TIMESTAMP__", Builtin::Timestamp),
        ("_Pragma", Builtin::Pragma),
        ("__has_include", Builtin::HasInclude),
        ("__has_include_next", Builtin::HasIncludeNext),
        ("__has_attribute", Builtin::HasAttribute),
        ("__has_cpp_attribute", Builtin::HasCppAttribute),
        ("__has_c_attribute", Builtin::HasCAttribute),
        ("__has_builtin", Builtin::HasBuiltinFn),
    ];
}

/// Where a definition came from (only macros from files become constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Builtin,
    Predefined,
    CommandLine,
    File,
}

#[derive(Clone, Debug)]
pub(crate) struct Macro {
    /// `None` for object-like macros; else the parameter count, the
    /// variadic one (`...` or `name...`) included.
    pub params: Option<u32>,
    pub variadic: bool,
    /// The replacement list; parameters are `Kind::Param` tokens.
    pub body: Rc<[PpTok]>,
    pub builtin: Option<Builtin>,
    pub origin: Origin,
    /// Where the macro name was defined (for constants' diagnostics).
    pub loc: Loc,
}

impl Macro {
    pub(crate) fn builtin(b: Builtin) -> Macro {
        Macro {
            params: None,
            variadic: false,
            body: Rc::from(Vec::new()),
            builtin: Some(b),
            origin: Origin::Builtin,
            loc: Loc::default(),
        }
    }
}

/// Parse the tokens of a `#define` line after the directive name.
/// Errors are `(location, message)`.
pub(crate) fn parse_define(line: &[PpTok], origin: Origin, text: impl Fn(Sym) -> String) -> Result<(Sym, Macro), (Loc, Directive)> {
    let Some(name) = line.first() else {
        return Err((Loc::default(), Directive::DefineWithoutName));
    };
    if name.kind != Kind::Ident {
        return Err((name.loc, Directive::MacroNameNotIdentifierFound { found: text(name.sym) }));
    }
    if name.sym == sym::DEFINED {
        return Err((name.loc, Directive::DefinedAsMacroName));
    }
    let mut rest = &line[1..];
    let mut params: Option<Vec<Sym>> = None;
    let mut variadic = false;
    if let Some(open) = rest.first().filter(|t| t.is_punct(sym::LPAREN) && !t.space()) {
        let mut list = Vec::new();
        let mut i = 1;
        loop {
            let Some(t) = rest.get(i) else {
                return Err((open.loc, Directive::MissingParameterParen));
            };
            if t.is_punct(sym::RPAREN) && list.is_empty() && !variadic {
                i += 1;
                break;
            }
            if t.is_punct(sym::ELLIPSIS) {
                variadic = true;
                list.push(sym::VA_ARGS);
            } else if t.kind == Kind::Ident && t.sym != sym::VA_ARGS {
                if list.contains(&t.sym) {
                    return Err((t.loc, Directive::DuplicateParameter { name: text(t.sym) }));
                }
                list.push(t.sym);
                // GNU named variadic parameter: `args...`
                if rest.get(i + 1).is_some_and(|n| n.is_punct(sym::ELLIPSIS)) {
                    variadic = true;
                    i += 1;
                }
            } else {
                return Err((t.loc, Directive::ParameterNameExpected { found: text(t.sym) }));
            }
            i += 1;
            match rest.get(i) {
                Some(t) if t.is_punct(sym::RPAREN) => {
                    i += 1;
                    break;
                }
                Some(t) if t.is_punct(sym::COMMA) && !variadic => i += 1,
                Some(t) => return Err((t.loc, Directive::ParameterSeparatorExpected { found: text(t.sym) })),
                None => return Err((open.loc, Directive::MissingParameterParen)),
            }
        }
        rest = &rest[i..];
        params = Some(list);
    }
    let mut body: Vec<PpTok> = rest.to_vec();
    for (i, t) in body.iter_mut().enumerate() {
        t.flags &= SPACE;
        if i == 0 {
            t.flags = 0;
        }
        if let Some(list) = &params {
            if t.kind == Kind::Ident {
                if let Some(idx) = list.iter().position(|&p| p == t.sym) {
                    t.kind = Kind::Param;
                    t.sym = Sym(idx as u32);
                }
            }
        }
    }
    if let (Some(first), Some(last)) = (body.first(), body.last()) {
        for t in [first, last] {
            if t.is_punct(sym::HASHHASH) {
                return Err((t.loc, Directive::PasteAtEnd));
            }
        }
    }
    if params.is_some() {
        for (i, t) in body.iter().enumerate() {
            let next = body.get(i + 1);
            let ok = next.is_some_and(|n| n.kind == Kind::Param || n.is_ident(sym::VA_OPT));
            if t.is_punct(sym::HASH) && !ok {
                return Err((t.loc, Directive::StringizeWithoutParameter));
            }
        }
    }
    let m = Macro { params: params.map(|l| l.len() as u32), variadic, body: body.into(), builtin: None, origin, loc: name.loc };
    Ok((name.sym, m))
}
