// keepalived.conf's syntax (keepalived's lib/parser.c, as its configs use it): words,
// "quoted words", `#` and `!` comments, `{ }` blocks and `include`. Hostile input gets a
// problem line, never a crash: nesting and include depth are bounded, and an unclosed
// block or quote is reported where it started.
#include <cstddef>

#include "daemon/import_keepalived_parts.h"

namespace vigil::daemon::keepalived_import {
namespace {

using Kind = ImportNote::Kind;

struct Token {
    enum class Type { word, open, close, newline } type = Type::word;
    std::string text;
    std::size_t line = 0;
};

std::vector<Token> tokenize(const KeepalivedFile& file, Problems& problems) {
    std::vector<Token> tokens;
    const std::string& s = file.text;
    std::size_t line = 1;
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        if (c == '\n') {
            tokens.push_back({Token::Type::newline, "", line++});
            ++i;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            ++i;
        } else if (c == '#' || c == '!') {
            while (i < s.size() && s[i] != '\n') ++i;
        } else if (c == '{' || c == '}') {
            tokens.push_back({c == '{' ? Token::Type::open : Token::Type::close, "", line});
            ++i;
        } else if (c == '"') {
            const std::size_t end = s.find_first_of("\"\n", i + 1);
            if (end == std::string::npos || s[end] != '"') {
                problems.add(file.name + ":" + std::to_string(line),
                             "a quoted word is not closed on its line (expected \")");
                i = end == std::string::npos ? s.size() : end;
                continue;
            }
            tokens.push_back({Token::Type::word, s.substr(i + 1, end - i - 1), line});
            i = end + 1;
        } else {
            std::size_t j = i;
            while (j < s.size() &&
                   std::string_view(" \t\r\f\v\n{}\"#!").find(s[j]) == std::string_view::npos)
                ++j;
            tokens.push_back({Token::Type::word, s.substr(i, j - i), line});
            i = j;
        }
    }
    return tokens;
}

class Parser {
public:
    Parser(const KeepalivedIncludeResolver& resolve, std::vector<ImportNote>& notes,
           Problems& problems)
        : resolve_(resolve), notes_(notes), problems_(problems) {}

    std::vector<Statement> file(const KeepalivedFile& file, int include_depth) {
        const std::vector<Token> tokens = tokenize(file, problems_);
        std::size_t pos = 0;
        std::vector<Statement> out;
        block(file, tokens, pos, 0, include_depth, out);
        while (pos < tokens.size()) {  // stopped at a `}` that closes nothing: go on after it
            problems_.add(at(file, tokens[pos].line), "a } that closes no block");
            ++pos;
            block(file, tokens, pos, 0, include_depth, out);
        }
        return out;
    }

private:
    static std::string at(const KeepalivedFile& f, std::size_t line) {
        return f.name + ":" + std::to_string(line);
    }

    // Reads statements into `out` until a `}` (left at `pos`) or the end.
    void block(const KeepalivedFile& f, const std::vector<Token>& t, std::size_t& pos, int depth,
               int include_depth, std::vector<Statement>& out) {
        using T = Token::Type;
        while (pos < t.size() && t[pos].type != T::close) {
            if (t[pos].type == T::newline) {
                ++pos;
                continue;
            }
            if (t[pos].type == T::open) {
                problems_.add(at(f, t[pos].line), "a { without a keyword before it");
                skip_block(t, pos);
                continue;
            }
            Statement st;
            st.where = at(f, t[pos].line);
            while (pos < t.size() && t[pos].type == T::word) st.words.push_back(t[pos++].text);
            std::size_t look = pos;  // the `{` may be on the next line
            while (look < t.size() && t[look].type == T::newline) ++look;
            if (look < t.size() && t[look].type == T::open) {
                const std::size_t open_line = t[look].line;
                pos = look + 1;
                st.block = true;
                if (depth + 1 > kNestingMax) {
                    problems_.add(st.where, "blocks nested deeper than " +
                                                std::to_string(kNestingMax) + " levels");
                    --pos;
                    skip_block(t, pos);
                    return;
                }
                block(f, t, pos, depth + 1, include_depth, st.children);
                if (pos >= t.size()) {
                    problems_.add(at(f, open_line), st.words[0] +
                                                        ": the { opened here is not "
                                                        "closed (expected })");
                    return;
                }
                ++pos;  // the `}`
            }
            if (!st.block && st.words[0] == "include")
                include(f, st, include_depth, out);
            else
                out.push_back(std::move(st));
        }
    }

    // Skips from the `{` at `pos` past its matching `}` (or to the end).
    static void skip_block(const std::vector<Token>& t, std::size_t& pos) {
        int open = 0;
        for (; pos < t.size(); ++pos) {
            if (t[pos].type == Token::Type::open) ++open;
            if (t[pos].type == Token::Type::close && --open == 0) {
                ++pos;
                return;
            }
        }
    }

    void include(const KeepalivedFile& f, const Statement& st, int include_depth,
                 std::vector<Statement>& out) {
        if (st.words.size() != 2) {
            problems_.add(st.where, "include: expected one file name or pattern");
            return;
        }
        if (!resolve_) {
            notes_.push_back({Kind::not_carried, st.where, "include " + st.words[1],
                              "included files are not read here: import them with the "
                              "command, which follows include"});
            return;
        }
        if (include_depth + 1 > kIncludeDepthMax) {
            problems_.add(st.where, "include " + st.words[1] + ": includes nested deeper than " +
                                        std::to_string(kIncludeDepthMax) +
                                        " levels (an include loop?)");
            return;
        }
        auto files = resolve_(st.words[1], f.name);
        if (!files) {
            problems_.add(st.where, "include " + st.words[1] + ": " + files.error().message);
            return;
        }
        if (files->empty())
            notes_.push_back({Kind::warning, st.where, "include " + st.words[1],
                              "no file matches (keepalived skips it too)"});
        for (const auto& file : *files) {
            if (++included_ > kIncludeFilesMax) {
                problems_.add(st.where,
                              "more than " + std::to_string(kIncludeFilesMax) + " included files");
                return;
            }
            for (auto& s : this->file(file, include_depth + 1)) out.push_back(std::move(s));
        }
    }

    const KeepalivedIncludeResolver& resolve_;
    std::vector<ImportNote>& notes_;
    Problems& problems_;
    std::size_t included_ = 0;
};

}  // namespace

std::vector<Statement> parse_conf(const KeepalivedFile& file,
                                  const KeepalivedIncludeResolver& resolve,
                                  std::vector<ImportNote>& notes, Problems& problems) {
    return Parser(resolve, notes, problems).file(file, 0);
}

}  // namespace vigil::daemon::keepalived_import
