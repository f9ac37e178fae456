//! The expression rules: primary and simple expressions, operators by priority, calls and
//! table constructors.

use super::exp_code::MULTRET;
use super::expdesc::{BinOpr, ExpDesc, ExpKind, UnOpr, UNARY_PRIORITY};
use super::parser::Parser;
use super::ParseError;
use crate::bytecode::{OpCode, LFIELDS_PER_FLUSH, VARARG_NEEDSARG};
use crate::lex::Token;

/// Limit on the items of a table constructor (`MAX_INT`).
const MAX_ITEMS: u32 = i32::MAX as u32 - 2;

/// The state of a table constructor being compiled.
struct Constructor {
    /// The table's register.
    table: u32,
    /// The last list item read, not yet stored in a register.
    pending: ExpDesc,
    /// Number of record (keyed) items.
    nh: u32,
    /// Number of list items.
    na: u32,
    /// List items waiting in registers to be stored.
    to_store: u32,
}

fn unary_operator(t: &Token<'_>) -> Option<UnOpr> {
    match t {
        Token::Not => Some(UnOpr::Not),
        Token::Char(b'-') => Some(UnOpr::Minus),
        Token::Char(b'#') => Some(UnOpr::Len),
        _ => None,
    }
}

fn binary_operator(t: &Token<'_>) -> Option<BinOpr> {
    Some(match t {
        Token::Char(b'+') => BinOpr::Add,
        Token::Char(b'-') => BinOpr::Sub,
        Token::Char(b'*') => BinOpr::Mul,
        Token::Char(b'/') => BinOpr::Div,
        Token::Char(b'%') => BinOpr::Mod,
        Token::Char(b'^') => BinOpr::Pow,
        Token::Concat => BinOpr::Concat,
        Token::Ne => BinOpr::Ne,
        Token::Eq => BinOpr::Eq,
        Token::Char(b'<') => BinOpr::Lt,
        Token::Le => BinOpr::Le,
        Token::Char(b'>') => BinOpr::Gt,
        Token::Ge => BinOpr::Ge,
        Token::And => BinOpr::And,
        Token::Or => BinOpr::Or,
        _ => return None,
    })
}

/// A number in "floating point byte" form (`eeeeexxx`: `1xxx * 2^(eeeee-1)`), rounding up, as
/// NEWTABLE's size hints are encoded (`luaO_int2fb`).
fn int_to_fb(mut x: u32) -> u32 {
    let mut e = 0;
    while x >= 16 {
        x = (x + 1) >> 1;
        e += 1;
    }
    if x < 8 {
        x
    } else {
        ((e + 1) << 3) | (x - 8)
    }
}

impl<'s> Parser<'s> {
    /// field -> ['.' | ':'] NAME
    pub(super) fn field(&mut self, v: &mut ExpDesc) -> Result<(), ParseError> {
        self.fs.exp_to_any_reg(v)?;
        self.next()?; // skip the dot or colon
        let mut key = self.check_name_constant()?;
        self.fs.indexed(v, &mut key)
    }

    /// index -> '[' expr ']'
    fn index(&mut self) -> Result<ExpDesc, ParseError> {
        self.next()?;
        let mut v = self.expr()?;
        self.fs.exp_to_val(&mut v)?;
        self.check_next(&Token::Char(b']'))?;
        Ok(v)
    }

    /// recfield -> (NAME | `['exp1`]') = exp1
    fn record_field(&mut self, cc: &mut Constructor) -> Result<(), ParseError> {
        let reg = self.fs.free_reg;
        let mut key = if let Token::Name(_) = self.lex.token {
            if cc.nh > MAX_ITEMS {
                return Err(self.fs.limit_error(MAX_ITEMS, "items in a constructor"));
            }
            self.check_name_constant()?
        } else {
            self.index()?
        };
        cc.nh += 1;
        self.check_next(&Token::Char(b'='))?;
        let rk_key = self.fs.exp_to_rk(&mut key)?;
        let mut val = self.expr()?;
        let rk_val = self.fs.exp_to_rk(&mut val)?;
        self.fs
            .code_abc(OpCode::SetTable, cc.table, rk_key, rk_val)?;
        self.fs.free_reg = reg;
        Ok(())
    }

    /// Put the pending list item in its register, flushing a full batch of items.
    fn close_list_field(&mut self, cc: &mut Constructor) -> Result<(), ParseError> {
        if cc.pending.k == ExpKind::Void {
            return Ok(());
        }
        self.fs.exp_to_next_reg(&mut cc.pending)?;
        cc.pending = ExpDesc::void();
        if cc.to_store == LFIELDS_PER_FLUSH {
            self.fs.set_list(cc.table, cc.na, cc.to_store as i32)?;
            cc.to_store = 0;
        }
        Ok(())
    }

    /// Store the items still pending at the end of the constructor; a final call or `...`
    /// contributes all its values.
    fn last_list_field(&mut self, cc: &mut Constructor) -> Result<(), ParseError> {
        if cc.to_store == 0 {
            return Ok(());
        }
        if cc.pending.has_multret() {
            self.fs.set_multret(&mut cc.pending)?;
            self.fs.set_list(cc.table, cc.na, MULTRET)?;
            // The call's values are not counted in the size hint.
            cc.na = cc.na.saturating_sub(1);
        } else {
            if cc.pending.k != ExpKind::Void {
                self.fs.exp_to_next_reg(&mut cc.pending)?;
            }
            self.fs.set_list(cc.table, cc.na, cc.to_store as i32)?;
        }
        Ok(())
    }

    /// listfield -> expr
    fn list_field(&mut self, cc: &mut Constructor) -> Result<(), ParseError> {
        cc.pending = self.expr()?;
        if cc.na > MAX_ITEMS {
            return Err(self.fs.limit_error(MAX_ITEMS, "items in a constructor"));
        }
        cc.na += 1;
        cc.to_store += 1;
        Ok(())
    }

    /// constructor -> `{' [ field { fieldsep field } [fieldsep] ] `}'
    fn constructor(&mut self) -> Result<ExpDesc, ParseError> {
        let line = self.lex.line();
        let pc = self.fs.code_abc(OpCode::NewTable, 0, 0, 0)?;
        let mut t = ExpDesc::new(ExpKind::Relocable(pc));
        // Fix the table at the stack top.
        self.fs.exp_to_next_reg(&mut t)?;
        let mut cc = Constructor {
            table: super::func_state::FuncState::exp_reg(&t),
            pending: ExpDesc::void(),
            nh: 0,
            na: 0,
            to_store: 0,
        };
        self.check_next(&Token::Char(b'{'))?;
        loop {
            if self.at_char(b'}') {
                break;
            }
            self.close_list_field(&mut cc)?;
            match self.lex.token {
                Token::Name(_) => {
                    // A name starts a list item unless `=` follows.
                    if *self.lex.look_ahead()? != Token::Char(b'=') {
                        self.list_field(&mut cc)?;
                    } else {
                        self.record_field(&mut cc)?;
                    }
                }
                Token::Char(b'[') => self.record_field(&mut cc)?,
                _ => self.list_field(&mut cc)?,
            }
            if !(self.test_next(&Token::Char(b','))? || self.test_next(&Token::Char(b';'))?) {
                break;
            }
        }
        self.check_match(&Token::Char(b'}'), &Token::Char(b'{'), line)?;
        self.last_list_field(&mut cc)?;
        // The size hints.
        let (na, nh) = (int_to_fb(cc.na), int_to_fb(cc.nh));
        self.fs.patch(pc, |i| {
            i.set_b(na);
            i.set_c(nh);
        });
        Ok(t)
    }

    /// explist1 -> expr { `,' expr }   (returns the number of expressions and the last one)
    pub(super) fn exp_list(&mut self) -> Result<(u32, ExpDesc), ParseError> {
        let mut n = 1;
        let mut v = self.expr()?;
        while self.test_next(&Token::Char(b','))? {
            self.fs.exp_to_next_reg(&mut v)?;
            v = self.expr()?;
            n += 1;
        }
        Ok((n, v))
    }

    /// funcargs -> `(' [ explist1 ] `)' | constructor | STRING
    fn func_args(&mut self, f: &mut ExpDesc) -> Result<(), ParseError> {
        let line = self.lex.line();
        let mut args = match &self.lex.token {
            Token::Char(b'(') => {
                if line != self.lex.last_line {
                    return Err(ParseError::Syntax(
                        "ambiguous syntax (function call x new statement)".into(),
                    ));
                }
                self.next()?;
                let args = if self.at_char(b')') {
                    ExpDesc::void()
                } else {
                    let (_, mut args) = self.exp_list()?;
                    self.fs.set_multret(&mut args)?;
                    args
                };
                self.check_match(&Token::Char(b')'), &Token::Char(b'('), line)?;
                args
            }
            Token::Char(b'{') => self.constructor()?,
            Token::String(s) => {
                let k = self.fs.string_constant(s)?;
                self.next()?;
                ExpDesc::new(ExpKind::K(k))
            }
            _ => return Err(ParseError::Syntax("function arguments expected".into())),
        };
        let base = super::func_state::FuncState::exp_reg(f);
        let nparams = if args.has_multret() {
            MULTRET
        } else {
            if args.k != ExpKind::Void {
                self.fs.exp_to_next_reg(&mut args)?;
            }
            self.fs.free_reg.saturating_sub(base + 1) as i32
        };
        let call = self
            .fs
            .code_abc(OpCode::Call, base, (nparams + 1) as u32, 2)?;
        f.k = ExpKind::Call(call);
        self.fs.fix_line(line);
        // The call removes the function and its arguments and leaves one result (unless
        // changed later).
        self.fs.free_reg = base + 1;
        Ok(())
    }

    /// prefixexp -> NAME | '(' expr ')'
    fn prefix_exp(&mut self) -> Result<ExpDesc, ParseError> {
        match self.lex.token {
            Token::Char(b'(') => {
                let line = self.lex.line();
                self.next()?;
                let mut v = self.expr()?;
                self.check_match(&Token::Char(b')'), &Token::Char(b'('), line)?;
                self.fs.discharge_vars(&mut v)?;
                Ok(v)
            }
            Token::Name(_) => self.single_var(),
            _ => Err(ParseError::Syntax("unexpected symbol".into())),
        }
    }

    /// primaryexp -> prefixexp { `.' NAME | `[' exp `]' | `:' NAME funcargs | funcargs }
    pub(super) fn primary_exp(&mut self) -> Result<ExpDesc, ParseError> {
        let mut v = self.prefix_exp()?;
        loop {
            match self.lex.token {
                Token::Char(b'.') => self.field(&mut v)?,
                Token::Char(b'[') => {
                    self.fs.exp_to_any_reg(&mut v)?;
                    let mut key = self.index()?;
                    self.fs.indexed(&mut v, &mut key)?;
                }
                Token::Char(b':') => {
                    self.next()?;
                    let mut key = self.check_name_constant()?;
                    self.fs.code_self(&mut v, &mut key)?;
                    self.func_args(&mut v)?;
                }
                Token::Char(b'(' | b'{') | Token::String(_) => {
                    self.fs.exp_to_next_reg(&mut v)?;
                    self.func_args(&mut v)?;
                }
                _ => return Ok(v),
            }
        }
    }

    /// simpleexp -> NUMBER | STRING | NIL | true | false | ... | constructor | FUNCTION body
    ///            | primaryexp
    fn simple_exp(&mut self) -> Result<ExpDesc, ParseError> {
        let v = match &self.lex.token {
            Token::Number(n) => ExpDesc::new(ExpKind::KNum(*n)),
            Token::String(s) => ExpDesc::new(ExpKind::K(self.fs.string_constant(s)?)),
            Token::Nil => ExpDesc::new(ExpKind::Nil),
            Token::True => ExpDesc::new(ExpKind::True),
            Token::False => ExpDesc::new(ExpKind::False),
            Token::Dots => {
                if self.fs.f.is_vararg == 0 {
                    return Err(ParseError::Syntax(
                        "cannot use '...' outside a vararg function".into(),
                    ));
                }
                // `...` is used, so the `arg` table is not needed.
                self.fs.f.is_vararg &= !VARARG_NEEDSARG;
                ExpDesc::new(ExpKind::Vararg(self.fs.code_abc(
                    OpCode::Vararg,
                    0,
                    1,
                    0,
                )?))
            }
            Token::Char(b'{') => return self.constructor(),
            Token::Function => {
                self.next()?;
                let line = self.lex.line();
                return self.body(false, line);
            }
            _ => return self.primary_exp(),
        };
        self.next()?;
        Ok(v)
    }

    /// subexpr -> (simpleexp | unop subexpr) { binop subexpr }
    /// where `binop' is any binary operator with a priority higher than `limit'. Returns the
    /// expression and the first operator not handled.
    fn sub_expr(&mut self, limit: u8) -> Result<(ExpDesc, Option<BinOpr>), ParseError> {
        self.enter_level()?;
        let mut v = if let Some(op) = unary_operator(&self.lex.token) {
            self.next()?;
            let (mut v, _) = self.sub_expr(UNARY_PRIORITY)?;
            self.fs.prefix(op, &mut v)?;
            v
        } else {
            self.simple_exp()?
        };
        // Expand while operators have priorities higher than `limit`.
        let mut op = binary_operator(&self.lex.token);
        while let Some(bin) = op {
            let (left, right) = bin.priority();
            if left <= limit {
                break;
            }
            self.next()?;
            self.fs.infix(bin, &mut v)?;
            // Read the sub-expression with higher priority.
            let (mut v2, next_op) = self.sub_expr(right)?;
            self.fs.posfix(bin, &mut v, &mut v2)?;
            op = next_op;
        }
        self.leave_level();
        Ok((v, op))
    }

    /// expr -> subexpr
    pub(super) fn expr(&mut self) -> Result<ExpDesc, ParseError> {
        Ok(self.sub_expr(0)?.0)
    }
}
