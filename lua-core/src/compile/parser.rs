//! The parser's state and helpers, function bodies, and the statement rules.

use std::mem::discriminant;
use std::rc::Rc;

use super::exp_code::MULTRET;
use super::expdesc::{ExpDesc, ExpKind, NO_JUMP};
use super::func_state::{Block, FuncState, Scratch, UpvalSource};
use super::ParseError;
use crate::bytecode::{OpCode, Proto, MAXARG_BX, VARARG_HASARG, VARARG_ISVARARG, VARARG_NEEDSARG};
use crate::lex::{token_name, Lexer, Token};

/// Limit of nested syntactic levels plus C calls (`LUAI_MAXCCALLS`).
const MAX_C_CALLS: u32 = 200;

/// How a name resolves in the function where it is used.
enum VarRef {
    Local(u32),
    Upval(u32),
    Global,
}

pub(crate) struct Parser<'s> {
    pub(super) lex: Lexer<'s>,
    /// The function being compiled.
    pub(super) fs: FuncState,
    /// The functions enclosing it, outermost first.
    outer: Vec<FuncState>,
    /// The chunk name, shared by every prototype.
    source: Rc<[u8]>,
    /// Nesting depth: C calls under way plus syntactic levels entered (`nCcalls`).
    c_calls: u32,
    /// Working storage of finished functions, for reuse.
    spare: Vec<Scratch>,
}

impl<'s> Parser<'s> {
    pub(crate) fn new(source: &'s [u8], chunkname: &[u8], c_calls: u32) -> Self {
        Parser::with_lexer(Lexer::new(source), chunkname, c_calls)
    }

    pub(crate) fn with_lexer(lex: Lexer<'s>, chunkname: &[u8], c_calls: u32) -> Self {
        let chunkname: Rc<[u8]> = Rc::from(chunkname);
        Parser {
            lex,
            fs: FuncState::new(chunkname.clone(), 0, 1, Scratch::default()),
            outer: Vec::new(),
            source: chunkname,
            c_calls,
            spare: Vec::new(),
        }
    }

    pub(crate) fn lexer(&self) -> &Lexer<'s> {
        &self.lex
    }

    /// main -> chunk EOF  (`luaY_parser`)
    pub(crate) fn main_function(&mut self) -> Result<Proto, ParseError> {
        // The main function is always vararg.
        self.fs.f.is_vararg = VARARG_ISVARARG;
        self.next()?;
        self.chunk()?;
        self.check(&Token::Eof)?;
        self.finish_function()?;
        let done = FuncState::new(self.source.clone(), 0, 0, Scratch::default());
        Ok(std::mem::replace(&mut self.fs, done).into_parts().0)
    }

    // ---- tokens ----

    /// Move to the next token; instructions emitted from now on carry the line where the
    /// consumed token ended.
    pub(super) fn next(&mut self) -> Result<(), ParseError> {
        self.lex.next()?;
        self.fs.line = self.lex.last_line;
        Ok(())
    }

    /// Is the current token `t`? (Only for tokens without a value, and single characters.)
    pub(super) fn at(&self, t: &Token<'_>) -> bool {
        match (&self.lex.token, t) {
            (Token::Char(a), Token::Char(b)) => a == b,
            (a, b) => discriminant(a) == discriminant(b),
        }
    }

    pub(super) fn at_char(&self, c: u8) -> bool {
        self.lex.token == Token::Char(c)
    }

    /// Skip the current token if it is `t`.
    pub(super) fn test_next(&mut self, t: &Token<'_>) -> Result<bool, ParseError> {
        if self.at(t) {
            self.next()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    pub(super) fn error_expected(&self, t: &Token<'_>) -> ParseError {
        let name = String::from_utf8_lossy(&token_name(t)).into_owned();
        ParseError::Syntax(format!("'{name}' expected").into())
    }

    pub(super) fn check(&self, t: &Token<'_>) -> Result<(), ParseError> {
        if self.at(t) {
            Ok(())
        } else {
            Err(self.error_expected(t))
        }
    }

    pub(super) fn check_next(&mut self, t: &Token<'_>) -> Result<(), ParseError> {
        self.check(t)?;
        self.next()
    }

    /// Skip `what`, which closes `who` opened at line `line`; the message names the opener
    /// when it is on another line.
    pub(super) fn check_match(
        &mut self,
        what: &Token<'_>,
        who: &Token<'_>,
        line: u32,
    ) -> Result<(), ParseError> {
        if self.test_next(what)? {
            return Ok(());
        }
        if line == self.lex.line() {
            return Err(self.error_expected(what));
        }
        let what = String::from_utf8_lossy(&token_name(what)).into_owned();
        let who = String::from_utf8_lossy(&token_name(who)).into_owned();
        Err(ParseError::Syntax(
            format!("'{what}' expected (to close '{who}' at line {line})").into(),
        ))
    }

    /// Read a name (`str_checkname`).
    pub(super) fn check_name(&mut self) -> Result<&'s [u8], ParseError> {
        match self.lex.token {
            Token::Name(name) => {
                self.next()?;
                Ok(name)
            }
            _ => Err(self.error_expected(&Token::Name(b""))),
        }
    }

    /// A name as a string constant (`checkname`).
    pub(super) fn check_name_constant(&mut self) -> Result<ExpDesc, ParseError> {
        let name = self.check_name()?;
        Ok(ExpDesc::new(ExpKind::K(self.fs.string_constant(name)?)))
    }

    /// Enter one more syntactic level (`enterlevel`).
    pub(super) fn enter_level(&mut self) -> Result<(), ParseError> {
        self.c_calls += 1;
        if self.c_calls > MAX_C_CALLS {
            return Err(ParseError::NoNear(
                "chunk has too many syntax levels".into(),
            ));
        }
        Ok(())
    }

    pub(super) fn leave_level(&mut self) {
        self.c_calls -= 1;
    }

    // ---- variables ----

    /// Declare the `n`-th new local of a group.
    pub(super) fn new_local(&mut self, name: &[u8], n: u32) -> Result<(), ParseError> {
        self.fs.new_local(name, n)
    }

    /// singlevar -> NAME   (a local, an upvalue or a global)
    pub(super) fn single_var(&mut self) -> Result<ExpDesc, ParseError> {
        let name = self.check_name()?;
        let kind = match resolve(&mut self.fs, &mut self.outer, name, true)? {
            VarRef::Local(reg) => ExpKind::Local(reg),
            VarRef::Upval(idx) => ExpKind::Upval(idx),
            VarRef::Global => ExpKind::Global(self.fs.string_constant(name)?),
        };
        Ok(ExpDesc::new(kind))
    }

    /// Make the last expression of a list provide `nvars` values in all, padding with nils or
    /// fixing the results of a call (`adjust_assign`).
    pub(super) fn adjust_assign(
        &mut self,
        nvars: u32,
        nexps: u32,
        e: &mut ExpDesc,
    ) -> Result<(), ParseError> {
        let fs = &mut self.fs;
        let mut extra = nvars as i32 - nexps as i32;
        if e.has_multret() {
            // The call itself counts as one of the values.
            extra = (extra + 1).max(0);
            fs.set_returns(e, extra)?;
            if extra > 1 {
                fs.reserve_regs(extra as u32 - 1)?;
            }
        } else {
            if e.k != ExpKind::Void {
                fs.exp_to_next_reg(e)?;
            }
            if extra > 0 {
                let reg = fs.free_reg;
                fs.reserve_regs(extra as u32)?;
                fs.code_nil(reg, extra as u32)?;
            }
        }
        Ok(())
    }

    // ---- blocks and functions ----

    pub(super) fn enter_block(&mut self, is_loop: bool) {
        debug_assert_eq!(self.fs.free_reg, self.fs.nactvar);
        self.fs.blocks.push(Block {
            break_list: NO_JUMP,
            nactvar: self.fs.nactvar,
            has_upval: false,
            is_loop,
        });
    }

    pub(super) fn leave_block(&mut self) -> Result<(), ParseError> {
        let Some(block) = self.fs.blocks.pop() else {
            return Ok(());
        };
        self.fs.remove_locals(block.nactvar);
        if block.has_upval {
            self.fs.code_abc(OpCode::Close, block.nactvar, 0, 0)?;
        }
        self.fs.free_reg = self.fs.nactvar;
        self.fs.patch_to_here(block.break_list)
    }

    /// Start compiling a nested function (`open_func`).
    pub(super) fn open_function(&mut self, line_defined: u32) {
        let scratch = self.spare.pop().unwrap_or_default();
        let child = FuncState::new(
            self.source.clone(),
            line_defined,
            self.lex.last_line,
            scratch,
        );
        let parent = std::mem::replace(&mut self.fs, child);
        self.outer.push(parent);
    }

    /// Close the current function's scope and emit its final return.
    fn finish_function(&mut self) -> Result<(), ParseError> {
        self.fs.remove_locals(0);
        self.fs.ret(0, 0)
    }

    /// Finish a nested function and return to the enclosing one, emitting the closure there
    /// (`close_func` then `pushclosure`).
    pub(super) fn close_function(&mut self) -> Result<ExpDesc, ParseError> {
        self.finish_function()?;
        let Some(parent) = self.outer.pop() else {
            return Err(ParseError::Bare("function nesting error"));
        };
        let (proto, mut scratch) = std::mem::replace(&mut self.fs, parent).into_parts();
        self.fs.line = self.lex.last_line;
        if self.fs.f.protos.len() >= MAXARG_BX as usize {
            return Err(ParseError::Bare("constant table overflow"));
        }
        self.fs.f.protos.push(proto);
        let index = self.fs.f.protos.len() as u32 - 1;
        let closure = self.fs.code_abx(OpCode::Closure, 0, index)?;
        // Each upvalue is described by a pseudo-instruction naming what it captures.
        for upval in &scratch.upvalues {
            match *upval {
                UpvalSource::Local(reg) => self.fs.code_abc(OpCode::Move, 0, reg, 0)?,
                UpvalSource::Upval(idx) => self.fs.code_abc(OpCode::GetUpval, 0, idx, 0)?,
            };
        }
        scratch.clear();
        self.spare.push(scratch);
        Ok(ExpDesc::new(ExpKind::Relocable(closure)))
    }

    /// parlist -> [ param { `,' param } ]
    pub(super) fn parameter_list(&mut self) -> Result<(), ParseError> {
        let mut nparams = 0;
        self.fs.f.is_vararg = 0;
        if !self.at_char(b')') {
            loop {
                match self.lex.token {
                    Token::Name(_) => {
                        let name = self.check_name()?;
                        self.new_local(name, nparams)?;
                        nparams += 1;
                    }
                    Token::Dots => {
                        self.next()?;
                        // Lua 5.1 keeps the 5.0 `arg` table for vararg functions.
                        self.new_local(b"arg", nparams)?;
                        nparams += 1;
                        self.fs.f.is_vararg = VARARG_HASARG | VARARG_NEEDSARG | VARARG_ISVARARG;
                    }
                    _ => return Err(ParseError::Syntax("<name> or '...' expected".into())),
                }
                if self.fs.f.is_vararg != 0 || !self.test_next(&Token::Char(b','))? {
                    break;
                }
            }
        }
        self.fs.activate_locals(nparams);
        let has_arg = u32::from(self.fs.f.is_vararg & VARARG_HASARG);
        self.fs.f.num_params = (self.fs.nactvar - has_arg) as u8;
        self.fs.reserve_regs(self.fs.nactvar)
    }

    /// body -> `(' parlist `)' chunk END
    pub(super) fn body(&mut self, needself: bool, line: u32) -> Result<ExpDesc, ParseError> {
        self.open_function(line);
        self.check_next(&Token::Char(b'('))?;
        if needself {
            self.new_local(b"self", 0)?;
            self.fs.activate_locals(1);
        }
        self.parameter_list()?;
        self.check_next(&Token::Char(b')'))?;
        self.chunk()?;
        self.fs.f.last_line_defined = self.lex.line();
        self.check_match(&Token::End, &Token::Function, line)?;
        self.close_function()
    }

    // ---- statements ----

    fn block_follow(&self) -> bool {
        matches!(
            self.lex.token,
            Token::Else | Token::Elseif | Token::End | Token::Until | Token::Eof
        )
    }

    /// chunk -> { stat [`;'] }
    pub(super) fn chunk(&mut self) -> Result<(), ParseError> {
        self.enter_level()?;
        let mut is_last = false;
        while !is_last && !self.block_follow() {
            is_last = self.statement()?;
            self.test_next(&Token::Char(b';'))?;
            debug_assert!(
                u32::from(self.fs.f.max_stack_size) >= self.fs.free_reg
                    && self.fs.free_reg >= self.fs.nactvar
            );
            self.fs.free_reg = self.fs.nactvar;
        }
        self.leave_level();
        Ok(())
    }

    /// block -> chunk
    fn block(&mut self) -> Result<(), ParseError> {
        self.enter_block(false);
        self.chunk()?;
        self.leave_block()
    }

    /// stat -> ifstat | whilestat | DO block END | forstat | repeatstat | funcstat
    ///       | LOCAL FUNCTION localfunc | LOCAL localstat | retstat | BREAK | exprstat
    /// Returns true for statements that must end a block (`return`, `break`).
    fn statement(&mut self) -> Result<bool, ParseError> {
        let line = self.lex.line();
        match self.lex.token {
            Token::If => self.if_stat(line)?,
            Token::While => self.while_stat(line)?,
            Token::Do => {
                // stat -> DO block END
                self.next()?;
                self.block()?;
                self.check_match(&Token::End, &Token::Do, line)?;
            }
            Token::For => self.for_stat(line)?,
            Token::Repeat => self.repeat_stat(line)?,
            Token::Function => self.func_stat(line)?,
            Token::Local => {
                self.next()?;
                if self.test_next(&Token::Function)? {
                    self.local_func()?;
                } else {
                    self.local_stat()?;
                }
            }
            Token::Return => {
                self.return_stat()?;
                return Ok(true);
            }
            Token::Break => {
                self.next()?;
                self.break_stat()?;
                return Ok(true);
            }
            _ => self.expr_stat()?,
        }
        Ok(false)
    }

    /// cond -> exp   (returns the jumps taken when the condition is false)
    fn cond(&mut self) -> Result<i32, ParseError> {
        let mut v = self.expr()?;
        if v.k == ExpKind::Nil {
            // All falses are equal here.
            v.k = ExpKind::False;
        }
        self.fs.go_if_true(&mut v)?;
        Ok(v.f)
    }

    /// breakstat -> BREAK
    fn break_stat(&mut self) -> Result<(), ParseError> {
        let mut upval = false;
        let mut found = None;
        for (i, block) in self.fs.blocks.iter().enumerate().rev() {
            if block.is_loop {
                found = Some(i);
                break;
            }
            upval |= block.has_upval;
        }
        let Some(index) = found else {
            return Err(ParseError::Syntax("no loop to break".into()));
        };
        let nactvar = self.fs.blocks.get(index).map_or(0, |b| b.nactvar);
        if upval {
            self.fs.code_abc(OpCode::Close, nactvar, 0, 0)?;
        }
        let j = self.fs.jump()?;
        let mut list = self.fs.blocks.get(index).map_or(NO_JUMP, |b| b.break_list);
        self.fs.concat(&mut list, j)?;
        if let Some(block) = self.fs.blocks.get_mut(index) {
            block.break_list = list;
        }
        Ok(())
    }

    /// whilestat -> WHILE cond DO block END
    fn while_stat(&mut self, line: u32) -> Result<(), ParseError> {
        self.next()?;
        let while_init = self.fs.get_label();
        let cond_exit = self.cond()?;
        self.enter_block(true);
        self.check_next(&Token::Do)?;
        self.block()?;
        let back = self.fs.jump()?;
        self.fs.patch_list(back, while_init)?;
        self.check_match(&Token::End, &Token::While, line)?;
        self.leave_block()?;
        // False conditions finish the loop.
        self.fs.patch_to_here(cond_exit)
    }

    /// repeatstat -> REPEAT block UNTIL cond
    fn repeat_stat(&mut self, line: u32) -> Result<(), ParseError> {
        let repeat_init = self.fs.get_label();
        self.enter_block(true); // loop block
        self.enter_block(false); // scope block
        self.next()?;
        self.chunk()?;
        self.check_match(&Token::Until, &Token::Repeat, line)?;
        // The condition is inside the scope: it sees the body's locals.
        let cond_exit = self.cond()?;
        let scope_has_upval = self.fs.blocks.last().is_some_and(|b| b.has_upval);
        if !scope_has_upval {
            self.leave_block()?;
            self.fs.patch_list(cond_exit, repeat_init)?;
        } else {
            // Captured locals must be closed on every way out: exit through a break when the
            // condition holds, else close and loop.
            self.break_stat()?;
            self.fs.patch_to_here(cond_exit)?;
            self.leave_block()?;
            let back = self.fs.jump()?;
            self.fs.patch_list(back, repeat_init)?;
        }
        self.leave_block()
    }

    /// exp1 -> exp, in the next register
    fn exp1(&mut self) -> Result<(), ParseError> {
        let mut e = self.expr()?;
        self.fs.exp_to_next_reg(&mut e)
    }

    /// forbody -> DO block
    fn for_body(
        &mut self,
        base: u32,
        line: u32,
        nvars: u32,
        numeric: bool,
    ) -> Result<(), ParseError> {
        // The control variables.
        self.fs.activate_locals(3);
        self.check_next(&Token::Do)?;
        let prep = if numeric {
            self.fs.code_asbx(OpCode::ForPrep, base, NO_JUMP)?
        } else {
            self.fs.jump()?
        };
        // The scope of the declared variables.
        self.enter_block(false);
        self.fs.activate_locals(nvars);
        self.fs.reserve_regs(nvars)?;
        self.block()?;
        self.leave_block()?;
        self.fs.patch_to_here(prep)?;
        let end_for = if numeric {
            self.fs.code_asbx(OpCode::ForLoop, base, NO_JUMP)?
        } else {
            self.fs.code_abc(OpCode::TForLoop, base, 0, nvars)?
        };
        // The loop instruction belongs to the `for` line.
        self.fs.fix_line(line);
        let back = if numeric { end_for } else { self.fs.jump()? };
        self.fs.patch_list(back, prep + 1)
    }

    /// fornum -> NAME = exp1,exp1[,exp1] forbody
    fn for_num(&mut self, var_name: &[u8], line: u32) -> Result<(), ParseError> {
        let base = self.fs.free_reg;
        self.new_local(b"(for index)", 0)?;
        self.new_local(b"(for limit)", 1)?;
        self.new_local(b"(for step)", 2)?;
        self.new_local(var_name, 3)?;
        self.check_next(&Token::Char(b'='))?;
        self.exp1()?; // initial value
        self.check_next(&Token::Char(b','))?;
        self.exp1()?; // limit
        if self.test_next(&Token::Char(b','))? {
            self.exp1()?; // step
        } else {
            let one = self.fs.number_constant(1.0)?;
            let reg = self.fs.free_reg;
            self.fs.code_abx(OpCode::LoadK, reg, one)?;
            self.fs.reserve_regs(1)?;
        }
        self.for_body(base, line, 1, true)
    }

    /// forlist -> NAME {,NAME} IN explist1 forbody
    fn for_list(&mut self, index_name: &[u8]) -> Result<(), ParseError> {
        let base = self.fs.free_reg;
        self.new_local(b"(for generator)", 0)?;
        self.new_local(b"(for state)", 1)?;
        self.new_local(b"(for control)", 2)?;
        self.new_local(index_name, 3)?;
        let mut nvars = 4;
        while self.test_next(&Token::Char(b','))? {
            let name = self.check_name()?;
            self.new_local(name, nvars)?;
            nvars += 1;
        }
        self.check_next(&Token::In)?;
        let line = self.lex.line();
        let (nexps, mut e) = self.exp_list()?;
        self.adjust_assign(3, nexps, &mut e)?;
        // Room to call the generator.
        self.fs.check_stack(3)?;
        self.for_body(base, line, nvars - 3, false)
    }

    /// forstat -> FOR (fornum | forlist) END
    fn for_stat(&mut self, line: u32) -> Result<(), ParseError> {
        // The scope of the loop and control variables (`break` jumps to its end).
        self.enter_block(true);
        self.next()?;
        let var_name = self.check_name()?;
        match self.lex.token {
            Token::Char(b'=') => self.for_num(var_name, line)?,
            Token::Char(b',') | Token::In => self.for_list(var_name)?,
            _ => return Err(ParseError::Syntax("'=' or 'in' expected".into())),
        }
        self.check_match(&Token::End, &Token::For, line)?;
        self.leave_block()
    }

    /// test_then_block -> [IF | ELSEIF] cond THEN block
    fn test_then_block(&mut self) -> Result<i32, ParseError> {
        self.next()?;
        let cond_exit = self.cond()?;
        self.check_next(&Token::Then)?;
        self.block()?;
        Ok(cond_exit)
    }

    /// ifstat -> IF cond THEN block {ELSEIF cond THEN block} [ELSE block] END
    fn if_stat(&mut self, line: u32) -> Result<(), ParseError> {
        let mut escape_list = NO_JUMP;
        let mut false_list = self.test_then_block()?;
        while self.at(&Token::Elseif) {
            let j = self.fs.jump()?;
            self.fs.concat(&mut escape_list, j)?;
            self.fs.patch_to_here(false_list)?;
            false_list = self.test_then_block()?;
        }
        if self.at(&Token::Else) {
            let j = self.fs.jump()?;
            self.fs.concat(&mut escape_list, j)?;
            self.fs.patch_to_here(false_list)?;
            // Skip ELSE after the patch, for the right line information.
            self.next()?;
            self.block()?;
        } else {
            self.fs.concat(&mut escape_list, false_list)?;
        }
        self.fs.patch_to_here(escape_list)?;
        self.check_match(&Token::End, &Token::If, line)
    }

    /// localfunc -> LOCAL FUNCTION NAME body
    fn local_func(&mut self) -> Result<(), ParseError> {
        let name = self.check_name()?;
        self.new_local(name, 0)?;
        let v = ExpDesc::new(ExpKind::Local(self.fs.free_reg));
        self.fs.reserve_regs(1)?;
        self.fs.activate_locals(1);
        let line = self.lex.line();
        let mut b = self.body(false, line)?;
        self.fs.store_var(&v, &mut b)?;
        // Debug information sees the variable only from here on.
        let pc = self.fs.pc() as u32;
        let last = self.fs.nactvar - 1;
        if let Some(var) = self.fs.local_var(last) {
            var.start_pc = pc;
        }
        Ok(())
    }

    /// localstat -> LOCAL NAME {`,' NAME} [`=' explist1]
    fn local_stat(&mut self) -> Result<(), ParseError> {
        let mut nvars = 0;
        loop {
            let name = self.check_name()?;
            self.new_local(name, nvars)?;
            nvars += 1;
            if !self.test_next(&Token::Char(b','))? {
                break;
            }
        }
        let (nexps, mut e) = if self.test_next(&Token::Char(b'='))? {
            self.exp_list()?
        } else {
            (0, ExpDesc::void())
        };
        self.adjust_assign(nvars, nexps, &mut e)?;
        self.fs.activate_locals(nvars);
        Ok(())
    }

    /// funcname -> NAME {field} [`:' NAME]   (returns whether `self` is needed)
    fn func_name(&mut self) -> Result<(ExpDesc, bool), ParseError> {
        let mut v = self.single_var()?;
        while self.at_char(b'.') {
            self.field(&mut v)?;
        }
        let needself = self.at_char(b':');
        if needself {
            self.field(&mut v)?;
        }
        Ok((v, needself))
    }

    /// funcstat -> FUNCTION funcname body
    fn func_stat(&mut self, line: u32) -> Result<(), ParseError> {
        self.next()?;
        let (v, needself) = self.func_name()?;
        let mut b = self.body(needself, line)?;
        self.fs.store_var(&v, &mut b)?;
        // The definition "happens" on the first line.
        self.fs.fix_line(line);
        Ok(())
    }

    /// stat -> func | assignment
    fn expr_stat(&mut self) -> Result<(), ParseError> {
        let v = self.primary_exp()?;
        if let ExpKind::Call(pc) = v.k {
            // A call statement keeps no results.
            self.fs.patch(pc, |i| i.set_c(1));
            Ok(())
        } else {
            self.assignment(v)
        }
    }

    /// Where an earlier target of a multiple assignment indexes with the local `v` is about
    /// to assign, make it use a copy of the local's old value (`check_conflict`).
    fn check_conflict(&mut self, targets: &mut [ExpDesc], v: &ExpDesc) -> Result<(), ParseError> {
        let ExpKind::Local(local) = v.k else {
            return Ok(());
        };
        let extra = self.fs.free_reg;
        let mut conflict = false;
        for target in targets.iter_mut() {
            if let ExpKind::Indexed { table, key } = &mut target.k {
                if *table == local {
                    conflict = true;
                    *table = extra;
                }
                if *key == local {
                    conflict = true;
                    *key = extra;
                }
            }
        }
        if conflict {
            self.fs.code_abc(OpCode::Move, extra, local, 0)?;
            self.fs.reserve_regs(1)?;
        }
        Ok(())
    }

    /// assignment -> `,' primaryexp assignment | `=' explist1
    fn assignment(&mut self, first: ExpDesc) -> Result<(), ParseError> {
        fn is_var(e: &ExpDesc) -> bool {
            matches!(
                e.k,
                ExpKind::Local(_)
                    | ExpKind::Upval(_)
                    | ExpKind::Global(_)
                    | ExpKind::Indexed { .. }
            )
        }
        if !is_var(&first) {
            return Err(ParseError::Syntax("syntax error".into()));
        }
        let mut targets = vec![first];
        while self.test_next(&Token::Char(b','))? {
            let v = self.primary_exp()?;
            self.check_conflict(&mut targets, &v)?;
            let nvars = targets.len() as u32;
            let limit = MAX_C_CALLS.saturating_sub(self.c_calls);
            if nvars > limit {
                return Err(self.fs.limit_error(limit, "variables in assignment"));
            }
            if !is_var(&v) {
                return Err(ParseError::Syntax("syntax error".into()));
            }
            targets.push(v);
        }
        self.check_next(&Token::Char(b'='))?;
        let (nexps, mut e) = self.exp_list()?;
        let nvars = targets.len() as u32;
        let mut pending = targets.iter().rev();
        if nexps == nvars {
            // The last target takes the last expression directly.
            self.fs.set_one_ret(&mut e);
            if let Some(last) = pending.next() {
                self.fs.store_var(last, &mut e)?;
            }
        } else {
            self.adjust_assign(nvars, nexps, &mut e)?;
            if nexps > nvars {
                // Drop the extra values.
                self.fs.free_reg = self.fs.free_reg.saturating_sub(nexps - nvars);
            }
        }
        // The other targets take their values from the top of the stack, last first.
        for target in pending {
            let mut value = ExpDesc::new(ExpKind::NonReloc(self.fs.free_reg.saturating_sub(1)));
            self.fs.store_var(target, &mut value)?;
        }
        Ok(())
    }

    /// retstat -> RETURN explist
    fn return_stat(&mut self) -> Result<(), ParseError> {
        self.next()?;
        let (first, nret) = if self.block_follow() || self.at_char(b';') {
            (0, 0)
        } else {
            let (n, mut e) = self.exp_list()?;
            if e.has_multret() {
                self.fs.set_multret(&mut e)?;
                if let (ExpKind::Call(pc), 1) = (e.k, n) {
                    // A tail call.
                    self.fs.patch(pc, |i| i.set_opcode(OpCode::TailCall));
                }
                (self.fs.nactvar, MULTRET)
            } else if n == 1 {
                (self.fs.exp_to_any_reg(&mut e)?, 1)
            } else {
                // The values must be consecutive on the stack.
                self.fs.exp_to_next_reg(&mut e)?;
                (self.fs.nactvar, n as i32)
            }
        };
        self.fs.ret(first, nret)
    }
}

/// Find what `name` refers to from function `fs`, whose enclosing functions are `outer`
/// (innermost last), creating the upvalues needed on the way (`singlevaraux`). `base` is true
/// in the function where the name is used.
fn resolve(
    fs: &mut FuncState,
    outer: &mut [FuncState],
    name: &[u8],
    base: bool,
) -> Result<VarRef, ParseError> {
    if let Some(reg) = fs.find_local(name) {
        if !base {
            // The local will be used as an upvalue.
            fs.mark_upval(reg);
        }
        return Ok(VarRef::Local(reg));
    }
    let Some((parent, rest)) = outer.split_last_mut() else {
        return Ok(VarRef::Global);
    };
    let source = match resolve(parent, rest, name, false)? {
        VarRef::Global => return Ok(VarRef::Global),
        VarRef::Local(reg) => UpvalSource::Local(reg),
        VarRef::Upval(idx) => UpvalSource::Upval(idx),
    };
    Ok(VarRef::Upval(fs.upvalue_index(name, source)?))
}
