// SQL normalization: literals to ?, identifiers and parameters kept, and
// hostile inputs (cut mid-string, quotes inside quotes, comments that look
// like code, bytes that are not UTF-8) still end in something sensible.
#include "report/sql_normalize.h"

#include <gtest/gtest.h>

#include <string>

namespace validprof::report {
namespace {

TEST(SqlNormalize, StringLiteralsBecomePlaceholders) {
    EXPECT_EQ(normalize_sql("INSERT INTO t VALUES ('a', 'b c')"), "INSERT INTO t VALUES (?, ?)");
    EXPECT_EQ(normalize_sql("SELECT 'it''s' || ''''"), "SELECT ? || ?");
    EXPECT_EQ(normalize_sql("SELECT ''"), "SELECT ?");
    // Comment markers and quotes of other kinds inside a string are text.
    EXPECT_EQ(normalize_sql("SELECT '-- not a comment /* nor this */ \"x\" `y` [z]' FROM t"), "SELECT ? FROM t");
    EXPECT_EQ(normalize_sql("SELECT 'line1\nline2'"), "SELECT ?");
}

TEST(SqlNormalize, NumbersBecomePlaceholders) {
    EXPECT_EQ(normalize_sql("SELECT 1, 42, 3.14, .5, 7., 1e10, 2.5E-3, 6e+2, 0x1F, 0XdeadBEEF, 1_000"),
              "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?");
    EXPECT_EQ(normalize_sql("LIMIT 10 OFFSET 20"), "LIMIT ? OFFSET ?");
    EXPECT_EQ(normalize_sql("SELECT a+1,b*2 FROM t WHERE c>=3"), "SELECT a+?,b*? FROM t WHERE c>=?");
}

TEST(SqlNormalize, DigitsInsideIdentifiersAreKept) {
    EXPECT_EQ(normalize_sql("SELECT c1, t2.col3, _4x, x5y FROM t1 JOIN t22 ON t1.id = t22.id"),
              "SELECT c1, t2.col3, _4x, x5y FROM t1 JOIN t22 ON t1.id = t22.id");
    EXPECT_EQ(normalize_sql("SELECT \"col2\", `3d`, [table 4], \"a\"\"5\" FROM \"t 6\""),
              "SELECT \"col2\", `3d`, [table 4], \"a\"\"5\" FROM \"t 6\"");
    // A word may carry '$' after its first character, and any non-ASCII byte.
    EXPECT_EQ(normalize_sql("SELECT a$1, caf\xc3\xa9" "2 FROM t"), "SELECT a$1, caf\xc3\xa9" "2 FROM t");
}

TEST(SqlNormalize, BlobLiteralsBecomePlaceholders) {
    EXPECT_EQ(normalize_sql("INSERT INTO b VALUES (x'00ff', X'', 1)"), "INSERT INTO b VALUES (?, ?, ?)");
    // A word ending in x before a string is not a blob: "max'1'" is max then a string.
    EXPECT_EQ(normalize_sql("SELECT x FROM t WHERE x='x'"), "SELECT x FROM t WHERE x=?");
}

TEST(SqlNormalize, ParametersAreKept) {
    EXPECT_EQ(normalize_sql("SELECT * FROM t WHERE a = ? AND b = ?12 AND c = :name AND d = @v2 AND e = $x1"),
              "SELECT * FROM t WHERE a = ? AND b = ?12 AND c = :name AND d = @v2 AND e = $x1");
    EXPECT_EQ(normalize_sql("INSERT INTO kv(k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v"),
              "INSERT INTO kv(k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v");
}

TEST(SqlNormalize, CommentsAndWhitespace) {
    EXPECT_EQ(normalize_sql("  SELECT\t a ,\n\n b   FROM t  ;  "), "SELECT a , b FROM t");
    EXPECT_EQ(normalize_sql("SELECT a -- the first column 'x' 1\nFROM t"), "SELECT a FROM t");
    EXPECT_EQ(normalize_sql("SELECT /* 'not a string */ a/**/FROM/* x */t"), "SELECT a FROM t");
    EXPECT_EQ(normalize_sql("-- only a comment"), "");
    EXPECT_EQ(normalize_sql(" \n\t "), "");
    EXPECT_EQ(normalize_sql(""), "");
    EXPECT_EQ(normalize_sql("SELECT 1;;\n;"), "SELECT ?");
    // Only trailing semicolons go: a multi-statement exec text keeps its separators.
    EXPECT_EQ(normalize_sql("BEGIN; INSERT INTO t VALUES (1); COMMIT;"), "BEGIN; INSERT INTO t VALUES (?); COMMIT");
}

TEST(SqlNormalize, SignsOfNumbersFoldWhereUnary) {
    EXPECT_EQ(normalize_sql("INSERT INTO t VALUES (-1, +2, - 3)"), "INSERT INTO t VALUES (?, ?, ?)");
    EXPECT_EQ(normalize_sql("SELECT a - 1, a-1, (b)-2 FROM t WHERE c = -4 AND d<-5"),
              "SELECT a - ?, a-?, (b)-? FROM t WHERE c = ? AND d<?");
    EXPECT_EQ(normalize_sql("SELECT a - -1"), "SELECT a - ?");
    EXPECT_EQ(normalize_sql("-1"), "?");
}

TEST(SqlNormalize, InListsCollapse) {
    EXPECT_EQ(normalize_sql("SELECT * FROM t WHERE id IN (1, 2, 3)"), "SELECT * FROM t WHERE id IN (?, ...)");
    EXPECT_EQ(normalize_sql("SELECT * FROM t WHERE id in ('a','b')"), "SELECT * FROM t WHERE id in (?, ...)");
    EXPECT_EQ(normalize_sql("SELECT * FROM t WHERE id NOT IN (?, ?, ?, ?) AND x IN(1,2)"),
              "SELECT * FROM t WHERE id NOT IN (?, ...) AND x IN(?, ...)");
    // Lists of different lengths group together.
    EXPECT_EQ(normalize_sql("DELETE FROM t WHERE id IN (1,2)"), normalize_sql("DELETE FROM t WHERE id IN (5, 6, 7, 8)"));
    // Kept: a single element, numbered or named parameters, expressions, a sub-select.
    EXPECT_EQ(normalize_sql("WHERE id IN (1)"), "WHERE id IN (?)");
    EXPECT_EQ(normalize_sql("WHERE id IN (?1, ?2)"), "WHERE id IN (?1, ?2)");
    EXPECT_EQ(normalize_sql("WHERE id IN (1, a)"), "WHERE id IN (?, a)");
    EXPECT_EQ(normalize_sql("WHERE id IN (SELECT id FROM u WHERE v IN (1, 2))"),
              "WHERE id IN (SELECT id FROM u WHERE v IN (?, ...))");
    // Not an IN: a VALUES tuple or a function call.
    EXPECT_EQ(normalize_sql("INSERT INTO t VALUES (1, 2)"), "INSERT INTO t VALUES (?, ?)");
    EXPECT_EQ(normalize_sql("SELECT coalesce(1, 2), min(3,4)"), "SELECT coalesce(?, ?), min(?,?)");
    // "IN" inside a quoted identifier is not the keyword.
    EXPECT_EQ(normalize_sql("SELECT \"IN\" FROM t WHERE x = \"IN (1, 2)\""),
              "SELECT \"IN\" FROM t WHERE x = \"IN (1, 2)\"");
    EXPECT_EQ(normalize_sql("SELECT [IN](1, 2)"), "SELECT [IN](?, ?)");
}

TEST(SqlNormalize, DifferentLiteralsGroupTogether) {
    EXPECT_EQ(normalize_sql("INSERT INTO events(ts, name) VALUES (1700000000, 'commit')"),
              normalize_sql("INSERT INTO events(ts, name) VALUES (42, 'it''s a \"push\"')"));
    EXPECT_NE(normalize_sql("INSERT INTO events(ts, name) VALUES (1, 'a')"),
              normalize_sql("INSERT INTO events(ts, kind) VALUES (1, 'a')"));
}

TEST(SqlNormalize, TextCutAtTheRecordingBound) {
    // The recorder keeps a bounded prefix; the cut can fall anywhere.
    EXPECT_EQ(normalize_sql("INSERT INTO t VALUES ('unterminated"), "INSERT INTO t VALUES (?");
    EXPECT_EQ(normalize_sql("INSERT INTO t VALUES ('it''"), "INSERT INTO t VALUES (?");
    EXPECT_EQ(normalize_sql("SELECT \"unterminated ident"), "SELECT \"unterminated ident");
    EXPECT_EQ(normalize_sql("SELECT [unterminated"), "SELECT [unterminated");
    EXPECT_EQ(normalize_sql("SELECT `x"), "SELECT `x");
    EXPECT_EQ(normalize_sql("SELECT a /* unterminated 'x' 1"), "SELECT a");
    EXPECT_EQ(normalize_sql("SELECT x'00"), "SELECT ?");
    EXPECT_EQ(normalize_sql("SELECT 1e"), "SELECT ?");
    EXPECT_EQ(normalize_sql("SELECT 0x"), "SELECT ?");
    EXPECT_EQ(normalize_sql("SELECT 1."), "SELECT ?");
    EXPECT_EQ(normalize_sql("SELECT ?"), "SELECT ?");
    EXPECT_EQ(normalize_sql("SELECT :"), "SELECT :");
    EXPECT_EQ(normalize_sql("'"), "?");
    EXPECT_EQ(normalize_sql("-"), "-");
    EXPECT_EQ(normalize_sql("/"), "/");
}

TEST(SqlNormalize, HostileBytes) {
    // Embedded NUL, invalid UTF-8 and control characters pass through
    // outside literals and vanish inside them; nothing is read past the end.
    const std::string with_nul("SELECT a\0b, '\0' FROM t", 22);
    EXPECT_EQ(normalize_sql(with_nul), std::string("SELECT a\0b, ? FROM t", 20));
    EXPECT_EQ(normalize_sql("SELECT '\xff\xfe', \xff FROM t"), "SELECT ?, \xff FROM t");
    EXPECT_EQ(normalize_sql(std::string_view("SELECT 'abc'", 9)), "SELECT ?");  // view ends inside the literal
    std::string long_text = "INSERT INTO t VALUES (";
    for (int i = 0; i < 10000; ++i) long_text += std::to_string(i) + ", ";
    long_text += "'x')";
    const std::string normalized = normalize_sql(long_text);
    EXPECT_EQ(normalized.rfind("INSERT INTO t VALUES (?, ?, ", 0), 0u);
    EXPECT_EQ(normalized.find_first_of("0123456789"), std::string::npos);
}

TEST(SqlNormalize, IsIdempotent) {
    for (const char* sql : {"INSERT INTO t VALUES (-1, 'a', x'00', 1.5e3) ;", "SELECT * FROM t WHERE id IN (1, 2, 3)",
                            "SELECT \"c1\", [t 2] FROM t WHERE a = :p AND b IN (?, ?)", "  a  --c\n b /*d*/ c  "}) {
        const std::string once = normalize_sql(sql);
        EXPECT_EQ(normalize_sql(once), once) << sql;
    }
}

}  // namespace
}  // namespace validprof::report
