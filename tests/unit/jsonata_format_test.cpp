// $formatNumber, $formatBase, $formatInteger, $parseInteger, $fromMillis and $toMillis against
// values printed by the reference implementation (npm jsonata 2.0.6, the version AWS Step
// Functions runs); each expected value below was obtained by evaluating the same call there.
#include "catch.hpp"

#include <cmath>
#include <optional>
#include <string>

#include <stepfn/expressions/detail/jsonata/datetime.hpp>
#include <stepfn/expressions/detail/jsonata/format_number.hpp>

namespace jsonata_format_test {

namespace {

namespace js = stepfn::detail::jsonata;

// A text result or the error code the reference raised ("" for none).
struct text_case {
    const char* call;
    double value;
    const char* picture;
    const char* expected;
    const char* code;
};

template <class R>
void check_text(const R& got, const char* expected, const char* code, const char* call) {
    INFO(call);
    if (*code != '\0') {
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().name == "States.QueryEvaluationError");
        CHECK(got.error().cause.rfind(std::string(code) + ": ", 0) == 0);
    } else {
        REQUIRE(got.has_value());
        CHECK(*got == expected);
    }
}

} // namespace

TEST_CASE("$formatInteger prints what the reference prints", "[jsonata]") {
    static const text_case cases[] = {
        {"$formatInteger(0, \"0\")", 0.0, "0", "0", ""},
        {"$formatInteger(0, \"W\")", 0.0, "W", "ZERO", ""},
        {"$formatInteger(0, \"I\")", 0.0, "I", "", ""},
        {"$formatInteger(0, \"#-##0\")", 0.0, "#-##0", "0", ""},
        {"$formatInteger(0, \"#;o\")", 0.0, "#;o", "", "D3130"},
        {"$formatInteger(1, \"0\")", 1.0, "0", "1", ""},
        {"$formatInteger(1, \"Ww\")", 1.0, "Ww", "One", ""},
        {"$formatInteger(1, \"a\")", 1.0, "a", "a", ""},
        {"$formatInteger(1, \"١\")", 1.0, "١", "١", ""},
        {"$formatInteger(1, \"%\")", 1.0, "%", "", "D3130"},
        {"$formatInteger(4, \"000\")", 4.0, "000", "004", ""},
        {"$formatInteger(4, \"Ww\")", 4.0, "Ww", "Four", ""},
        {"$formatInteger(4, \"A\")", 4.0, "A", "D", ""},
        {"$formatInteger(4, \"٠٠٠\")", 4.0, "٠٠٠", "٠٠٤", ""},
        {"$formatInteger(4, \"9\")", 4.0, "9", "4", ""},
        {"$formatInteger(11, \"#,##0\")", 11.0, "#,##0", "11", ""},
        {"$formatInteger(11, \"w;o\")", 11.0, "w;o", "eleventh", ""},
        {"$formatInteger(11, \"A\")", 11.0, "A", "K", ""},
        {"$formatInteger(11, \"1;o\")", 11.0, "1;o", "11th", ""},
        {"$formatInteger(11, \"0 000\")", 11.0, "0 000", "0 011", ""},
        {"$formatInteger(12, \"0;o\")", 12.0, "0;o", "12th", ""},
        {"$formatInteger(12, \"Ww;o\")", 12.0, "Ww;o", "Twelfth", ""},
        {"$formatInteger(12, \"#0\")", 12.0, "#0", "12", ""},
        {"$formatInteger(12, \"1;o\")", 12.0, "1;o", "12th", ""},
        {"$formatInteger(12, \"##,#0\")", 12.0, "##,#0", "12", ""},
        {"$formatInteger(13, \"w\")", 13.0, "w", "thirteen", ""},
        {"$formatInteger(13, \"i\")", 13.0, "i", "xiii", ""},
        {"$formatInteger(13, \"0,000\")", 13.0, "0,000", "0,013", ""},
        {"$formatInteger(13, \"00;o\")", 13.0, "00;o", "13th", ""},
        {"$formatInteger(13, \"##,#0\")", 13.0, "##,#0", "13", ""},
        {"$formatInteger(21, \"W\")", 21.0, "W", "TWENTY-ONE", ""},
        {"$formatInteger(21, \"I\")", 21.0, "I", "XXI", ""},
        {"$formatInteger(21, \"#-##0\")", 21.0, "#-##0", "21", ""},
        {"$formatInteger(21, \"#;o\")", 21.0, "#;o", "", "D3130"},
        {"$formatInteger(99, \"0\")", 99.0, "0", "99", ""},
        {"$formatInteger(99, \"W\")", 99.0, "W", "NINETY-NINE", ""},
        {"$formatInteger(99, \"a\")", 99.0, "a", "cu", ""},
        {"$formatInteger(99, \"١\")", 99.0, "١", "٩٩", ""},
        {"$formatInteger(99, \"%\")", 99.0, "%", "", "D3130"},
        {"$formatInteger(101, \"000\")", 101.0, "000", "101", ""},
        {"$formatInteger(101, \"Ww\")", 101.0, "Ww", "One Hundred and One", ""},
        {"$formatInteger(101, \"a\")", 101.0, "a", "cw", ""},
        {"$formatInteger(101, \"٠٠٠\")", 101.0, "٠٠٠", "١٠١", ""},
        {"$formatInteger(101, \"9\")", 101.0, "9", "101", ""},
        {"$formatInteger(111, \"#,##0\")", 111.0, "#,##0", "111", ""},
        {"$formatInteger(111, \"w;o\")", 111.0, "w;o", "one hundred and eleventh", ""},
        {"$formatInteger(111, \"A\")", 111.0, "A", "DG", ""},
        {"$formatInteger(111, \"٠٠٠\")", 111.0, "٠٠٠", "١١١", ""},
        {"$formatInteger(111, \"0 000\")", 111.0, "0 000", "0 111", ""},
        {"$formatInteger(1234, \"0;o\")", 1234.0, "0;o", "1234th", ""},
        {"$formatInteger(1234, \"Ww;o\")", 1234.0, "Ww;o", "One Thousand, Two Hundred and Thirty-Fourth", ""},
        {"$formatInteger(1234, \"#0\")", 1234.0, "#0", "1234", ""},
        {"$formatInteger(1234, \"1;o\")", 1234.0, "1;o", "1234th", ""},
        {"$formatInteger(1234, \"0 000\")", 1234.0, "0 000", "1 234", ""},
        {"$formatInteger(3999, \"w\")", 3999.0, "w", "three thousand, nine hundred and ninety-nine", ""},
        {"$formatInteger(3999, \"i\")", 3999.0, "i", "mmmcmxcix", ""},
        {"$formatInteger(3999, \"0,000\")", 3999.0, "0,000", "3,999", ""},
        {"$formatInteger(3999, \"00;o\")", 3999.0, "00;o", "3999th", ""},
        {"$formatInteger(3999, \"##,#0\")", 3999.0, "##,#0", "39,99", ""},
        {"$formatInteger(-7, \"w\")", -7.0, "w", "-seven", ""},
        {"$formatInteger(-7, \"I\")", -7.0, "I", "-VII", ""},
        {"$formatInteger(-7, \"#-##0\")", -7.0, "#-##0", "-7", ""},
        {"$formatInteger(-7, \"#;o\")", -7.0, "#;o", "", "D3130"},
        {"$formatInteger(1000000, \"0\")", 1000000.0, "0", "1000000", ""},
        {"$formatInteger(1000000, \"W\")", 1000000.0, "W", "ONE MILLION", ""},
        {"$formatInteger(1000000, \"I\")", 1000000.0, "I", "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM", ""},
        {"$formatInteger(1000000, \"١\")", 1000000.0, "١", "١٠٠٠٠٠٠", ""},
        {"$formatInteger(1000000, \"%\")", 1000000.0, "%", "", "D3130"},
        {"$formatInteger(1e15, \"000\")", 1000000000000000.0, "000", "1000000000000000", ""},
        {"$formatInteger(1e15, \"Ww\")", 1000000000000000.0, "Ww", "One Thousand Trillion", ""},
        {"$formatInteger(1e15, \"#0\")", 1000000000000000.0, "#0", "1000000000000000", ""},
        {"$formatInteger(1e15, \"1;o\")", 1000000000000000.0, "1;o", "1000000000000000th", ""},
        {"$formatInteger(1e15, \"##,#0\")", 1000000000000000.0, "##,#0", "10,00,00,00,00,00,00,00", ""},
        {"$formatInteger(2.9, \"w\")", 2.9, "w", "two", ""},
        {"$formatInteger(2.9, \"i\")", 2.9, "i", "ii", ""},
        {"$formatInteger(2.9, \"0,000\")", 2.9, "0,000", "0,002", ""},
        {"$formatInteger(2.9, \"00;o\")", 2.9, "00;o", "02nd", ""},
        {"$formatInteger(2.9, \"##,#0\")", 2.9, "##,#0", "2", ""},
        {"$formatInteger(-2.9, \"W\")", -2.9, "W", "-THREE", ""},
        {"$formatInteger(-2.9, \"I\")", -2.9, "I", "-III", ""},
        {"$formatInteger(-2.9, \"#-##0\")", -2.9, "#-##0", "-3", ""},
        {"$formatInteger(-2.9, \"#;o\")", -2.9, "#;o", "", "D3130"},
        {"$formatInteger(1234567890123, \"0\")", 1234567890123.0, "0", "1234567890123", ""},
        {"$formatInteger(1234567890123, \"W\")", 1234567890123.0, "W", "ONE TRILLION, TWO HUNDRED AND THIRTY-FOUR BILLION, FIVE HUNDRED AND SIXTY-SEVEN MILLION, EIGHT HUNDRED AND NINETY THOUSAND, ONE HUNDRED AND TWENTY-THREE", ""},
        {"$formatInteger(1234567890123, \"#0\")", 1234567890123.0, "#0", "1234567890123", ""},
        {"$formatInteger(1234567890123, \"1;o\")", 1234567890123.0, "1;o", "1234567890123rd", ""},
        {"$formatInteger(1234567890123, \"0 000\")", 1234567890123.0, "0 000", "1 234 567 890 123", ""},
        {"$formatInteger(702, 'a')", 702.0, "a", "zz", ""},
        {"$formatInteger(1e21, 'w')", 1e+21, "w", "one billion trillion", ""},
        {"$formatInteger(5, '00;o')", 5.0, "00;o", "05th", ""},
    };
    for (const auto& c : cases) {
        check_text(js::format_integer(c.value, c.picture), c.expected, c.code, c.call);
    }
}

TEST_CASE("$formatNumber prints what the reference prints", "[jsonata]") {
    static const text_case cases[] = {
        {"$formatNumber(0, \"#\")", 0.0, "#", "0", ""},
        {"$formatNumber(0, \"#.#\")", 0.0, "#.#", ".0", ""},
        {"$formatNumber(0, \"#,##0.00 EUR\")", 0.0, "#,##0.00 EUR", "0.00 EUR", ""},
        {"$formatNumber(0, \"9,999.99\")", 0.0, "9,999.99", "0,000.00", ""},
        {"$formatNumber(0, \"#e\")", 0.0, "#e", "", "D3093"},
        {"$formatNumber(1, \"0.000\")", 1.0, "0.000", "1.000", ""},
        {"$formatNumber(1, \"0.0‰\")", 1.0, "0.0‰", "1000.0‰", ""},
        {"$formatNumber(1, \"#,##,##0\")", 1.0, "#,##,##0", ",1,", ""},
        {"$formatNumber(1, \",#\")", 1.0, ",#", "1", ""},
        {"$formatNumber(1, \"#%e0\")", 1.0, "#%e0", "", "D3092"},
        {"$formatNumber(-1, \"0%\")", -1.0, "0%", "-100%", ""},
        {"$formatNumber(-1, \"$#,##0.00\")", -1.0, "$#,##0.00", "-$1.00", ""},
        {"$formatNumber(-1, \"%#%\")", -1.0, "%#%", "", "D3082"},
        {"$formatNumber(-1, \"0#\")", -1.0, "0#", "", "D3090"},
        {"$formatNumber(12345.678, \"#,###,###.##\")", 12345.678, "#,###,###.##", "12,345.68", ""},
        {"$formatNumber(12345.678, \"#,##0.0%\")", 12345.678, "#,##0.0%", "1,234,567.8%", ""},
        {"$formatNumber(12345.678, \"9,999.99\")", 12345.678, "9,999.99", "12,345.68", ""},
        {"$formatNumber(12345.678, \"#,\")", 12345.678, "#,", "", "D3088"},
        {"$formatNumber(-12345.678, \"#,##0\")", -12345.678, "#,##0", "-12,346", ""},
        {"$formatNumber(-12345.678, \"00000\")", -12345.678, "00000", "-12346", ""},
        {"$formatNumber(-12345.678, \"###0.0#\")", -12345.678, "###0.0#", "-12345.68", ""},
        {"$formatNumber(-12345.678, \"0.0.0\")", -12345.678, "0.0.0", "", "D3081"},
        {"$formatNumber(0.5, \"0\")", 0.5, "0", "0", ""},
        {"$formatNumber(0.5, \"#0.###\")", 0.5, "#0.###", "0.5", ""},
        {"$formatNumber(0.5, \"$#,##0.00\")", 0.5, "$#,##0.00", "$0.50", ""},
        {"$formatNumber(0.5, \"0.0,00\")", 0.5, "0.0,00", "0.5,00", ""},
        {"$formatNumber(0.5, \"0#\")", 0.5, "0#", "", "D3090"},
        {"$formatNumber(1234567.891, \"0\")", 1234567.891, "0", "1234568", ""},
        {"$formatNumber(1234567.891, \"00.0e0\")", 1234567.891, "00.0e0", "12.3e5", ""},
        {"$formatNumber(1234567.891, \"#,##0.00;-#,##0.00\")", 1234567.891, "#,##0.00;-#,##0.00", "1,234,567.89", ""},
        {"$formatNumber(1234567.891, \"%#%\")", 1234567.891, "%#%", "", "D3082"},
        {"$formatNumber(1234567.891, \"0#\")", 1234567.891, "0#", "", "D3090"},
        {"$formatNumber(0.000123, \"#.#\")", 0.000123, "#.#", ".0", ""},
        {"$formatNumber(0.000123, \"#.##e00\")", 0.000123, "#.##e00", "0.12e-03", ""},
        {"$formatNumber(0.000123, \"###0.0#\")", 0.000123, "###0.0#", "0.0", ""},
        {"$formatNumber(0.000123, \"0.0.0\")", 0.000123, "0.0.0", "", "D3081"},
        {"$formatNumber(0.000123, \"e0\")", 0.000123, "e0", "e0", ""},
        {"$formatNumber(100, \"#.#\")", 100.0, "#.#", "100.0", ""},
        {"$formatNumber(100, \"#;(#)\")", 100.0, "#;(#)", "100", ""},
        {"$formatNumber(100, \"#,##,##0\")", 100.0, "#,##,##0", "1,0,0", ""},
        {"$formatNumber(100, \"#,,#\")", 100.0, "#,,#", "", "D3089"},
        {"$formatNumber(100, \"e0\")", 100.0, "e0", "e100", ""},
        {"$formatNumber(1e21, \"0.00e0\")", 1e+21, "0.00e0", "10.00e20", ""},
        {"$formatNumber(1e21, \"0.0‰\")", 1e+21, "0.0‰", "1e+24.0‰", ""},
        {"$formatNumber(1e21, \"##.##.##\")", 1e+21, "##.##.##", "", "D3081"},
        {"$formatNumber(1e21, \",#\")", 1e+21, ",#", "1,e,+,2,1", ""},
        {"$formatNumber(99.995, \"#,##0.00\")", 99.995, "#,##0.00", "100.00", ""},
        {"$formatNumber(99.995, \"0.00e0\")", 99.995, "0.00e0", "10.00e1", ""},
        {"$formatNumber(99.995, \"0,0\")", 99.995, "0,0", "1,0,0", ""},
        {"$formatNumber(99.995, \"#.##0\")", 99.995, "#.##0", "", "D3091"},
        {"$formatNumber(99.995, \"#%e0\")", 99.995, "#%e0", "", "D3092"},
        {"$formatNumber(3.14159, \"#,##0.00\")", 3.14159, "#,##0.00", "3.14", ""},
        {"$formatNumber(3.14159, \"#,##0.0%\")", 3.14159, "#,##0.0%", "314.2%", ""},
        {"$formatNumber(3.14159, \"#,##0.00 EUR\")", 3.14159, "#,##0.00 EUR", "3.14 EUR", ""},
        {"$formatNumber(3.14159, \"#,\")", 3.14159, "#,", "", "D3088"},
        {"$formatNumber(3.14159, \"#e\")", 3.14159, "#e", "", "D3093"},
        {"$formatNumber(-0.5, \"00000\")", -0.5, "00000", "-00000", ""},
        {"$formatNumber(-0.5, \"#,##0.00;-#,##0.00\")", -0.5, "#,##0.00;-#,##0.00", "-0.50", ""},
        {"$formatNumber(-0.5, \"0.0.0\")", -0.5, "0.0.0", "", "D3081"},
        {"$formatNumber(-0.5, \"#,,#\")", -0.5, "#,,#", "", "D3089"},
        {"$formatNumber(1e-7, \"00000\")", 1e-07, "00000", "00000", ""},
        {"$formatNumber(1e-7, \"0%\")", 1e-07, "0%", "0%", ""},
        {"$formatNumber(1e-7, \"0.0,00\")", 1e-07, "0.0,00", "0.0,00", ""},
        {"$formatNumber(1e-7, \"%#%\")", 1e-07, "%#%", "", "D3082"},
        {"$formatNumber(999999.9999, \"0\")", 999999.9999, "0", "1000000", ""},
        {"$formatNumber(999999.9999, \"#0.###\")", 999999.9999, "#0.###", "1000000", ""},
        {"$formatNumber(999999.9999, \"#,##0.00;-#,##0.00\")", 999999.9999, "#,##0.00;-#,##0.00", "1,000,000.00", ""},
        {"$formatNumber(999999.9999, \"0.0,00\")", 999999.9999, "0.0,00", "1000000.0,00", ""},
        {"$formatNumber(999999.9999, \"0#\")", 999999.9999, "0#", "", "D3090"},
        {"$formatNumber(0.1 + 0.2, '0.00000000000000000')", 0.30000000000000004, "0.00000000000000000", "0.30000000000000004", ""},
        {"$formatNumber(0.135, '0.00')", 0.135, "0.00", "0.14", ""},
    };
    for (const auto& c : cases) {
        check_text(js::format_number(c.value, c.picture, nullptr), c.expected, c.code, c.call);
    }
}

TEST_CASE("$formatNumber with a decimal-format options object", "[jsonata]") {
    struct options_case { const char* call; double value; const char* picture; const char* options; const char* expected; const char* code; };
    static const options_case cases[] = {
        {"$formatNumber(1234.5, \"#,##0.00\", {\"decimal-separator\": \",\", \"grouping-separator\": \".\"})", 1234.5, "#,##0.00", "{\"decimal-separator\": \",\", \"grouping-separator\": \".\"}", "", "D3091"},
        {"$formatNumber(1234.5, \"#,##٠.٠٠\", {\"zero-digit\": \"٠\"})", 1234.5, "#,##٠.٠٠", "{\"zero-digit\": \"٠\"}", "١,٢٣٤.٥٠", ""},
        {"$formatNumber(1234.5, \"#0.0pc\", {\"percent\": \"pc\", \"minus-sign\": \"−\"})", 1234.5, "#0.0pc", "{\"percent\": \"pc\", \"minus-sign\": \"−\"}", "123450.0pc", ""},
        {"$formatNumber(1234.5, \"x,xx0.00|(x,xx0.00)\", {\"digit\": \"x\", \"pattern-separator\": \"|\"})", 1234.5, "x,xx0.00|(x,xx0.00)", "{\"digit\": \"x\", \"pattern-separator\": \"|\"}", "1,234.50", ""},
        {"$formatNumber(1234.5, \"0.00E0\", {\"exponent-separator\": \"E\"})", 1234.5, "0.00E0", "{\"exponent-separator\": \"E\"}", "1.23E3", ""},
        {"$formatNumber(1234.5, \"0m\", {\"per-mille\": \"m\"})", 1234.5, "0m", "{\"per-mille\": \"m\"}", "1234500m", ""},
        {"$formatNumber(1234.5, \"#,##0.00\", {\"infinity\": \"inf\", \"NaN\": \"nan\"})", 1234.5, "#,##0.00", "{\"infinity\": \"inf\", \"NaN\": \"nan\"}", "1,234.50", ""},
        {"$formatNumber(-0.25, \"#,##0.00\", {\"decimal-separator\": \",\", \"grouping-separator\": \".\"})", -0.25, "#,##0.00", "{\"decimal-separator\": \",\", \"grouping-separator\": \".\"}", "", "D3091"},
        {"$formatNumber(-0.25, \"#,##٠.٠٠\", {\"zero-digit\": \"٠\"})", -0.25, "#,##٠.٠٠", "{\"zero-digit\": \"٠\"}", "-٠.٢٥", ""},
        {"$formatNumber(-0.25, \"#0.0pc\", {\"percent\": \"pc\", \"minus-sign\": \"−\"})", -0.25, "#0.0pc", "{\"percent\": \"pc\", \"minus-sign\": \"−\"}", "−25.0pc", ""},
        {"$formatNumber(-0.25, \"x,xx0.00|(x,xx0.00)\", {\"digit\": \"x\", \"pattern-separator\": \"|\"})", -0.25, "x,xx0.00|(x,xx0.00)", "{\"digit\": \"x\", \"pattern-separator\": \"|\"}", "(0.25)", ""},
        {"$formatNumber(-0.25, \"0m\", {\"per-mille\": \"m\"})", -0.25, "0m", "{\"per-mille\": \"m\"}", "-250m", ""},
        {"$formatNumber(-0.25, \"#,##0.00\", {\"infinity\": \"inf\", \"NaN\": \"nan\"})", -0.25, "#,##0.00", "{\"infinity\": \"inf\", \"NaN\": \"nan\"}", "-0.25", ""},
        {"$formatNumber(1000000, \"#,##0.00\", {\"decimal-separator\": \",\", \"grouping-separator\": \".\"})", 1000000.0, "#,##0.00", "{\"decimal-separator\": \",\", \"grouping-separator\": \".\"}", "", "D3091"},
        {"$formatNumber(1000000, \"#,##٠.٠٠\", {\"zero-digit\": \"٠\"})", 1000000.0, "#,##٠.٠٠", "{\"zero-digit\": \"٠\"}", "١,٠٠٠,٠٠٠.٠٠", ""},
        {"$formatNumber(1000000, \"#0.0pc\", {\"percent\": \"pc\", \"minus-sign\": \"−\"})", 1000000.0, "#0.0pc", "{\"percent\": \"pc\", \"minus-sign\": \"−\"}", "100000000.0pc", ""},
        {"$formatNumber(1000000, \"x,xx0.00|(x,xx0.00)\", {\"digit\": \"x\", \"pattern-separator\": \"|\"})", 1000000.0, "x,xx0.00|(x,xx0.00)", "{\"digit\": \"x\", \"pattern-separator\": \"|\"}", "1,000,000.00", ""},
        {"$formatNumber(1000000, \"0.00E0\", {\"exponent-separator\": \"E\"})", 1000000.0, "0.00E0", "{\"exponent-separator\": \"E\"}", "10.00E5", ""},
        {"$formatNumber(1000000, \"0m\", {\"per-mille\": \"m\"})", 1000000.0, "0m", "{\"per-mille\": \"m\"}", "1000000000m", ""},
        {"$formatNumber(1000000, \"#,##0.00\", {\"infinity\": \"inf\", \"NaN\": \"nan\"})", 1000000.0, "#,##0.00", "{\"infinity\": \"inf\", \"NaN\": \"nan\"}", "1,000,000.00", ""},
        {"$formatNumber(1234.5678, '#,##0.00', {'decimal-separator': ',', 'grouping-separator': '.'})", 1234.5678, "#,##0.00", "{\"decimal-separator\": \",\", \"grouping-separator\": \".\"}", "", "D3091"},
    };
    for (const auto& c : cases) {
        const stepfn::json options = stepfn::json::parse(c.options);
        check_text(js::format_number(c.value, c.picture, &options), c.expected, c.code, c.call);
    }
}

TEST_CASE("$formatBase prints what the reference prints", "[jsonata]") {
    struct base_case { const char* call; double value; double radix; const char* expected; const char* code; };
    static const base_case cases[] = {
        {"$formatBase(255)", 255.0, -1, "255", ""},
        {"$formatBase(-255)", -255.0, -1, "-255", ""},
        {"$formatBase(0)", 0.0, -1, "0", ""},
        {"$formatBase(3.5)", 3.5, -1, "4", ""},
        {"$formatBase(2.5)", 2.5, -1, "2", ""},
        {"$formatBase(255, 2)", 255.0, 2.0, "11111111", ""},
        {"$formatBase(255, 8)", 255.0, 8.0, "377", ""},
        {"$formatBase(255, 16)", 255.0, 16.0, "ff", ""},
        {"$formatBase(255, 36)", 255.0, 36.0, "73", ""},
        {"$formatBase(255, 1)", 255.0, 1.0, "", "D3100"},
        {"$formatBase(255, 37)", 255.0, 37.0, "", "D3100"},
        {"$formatBase(255, 16.4)", 255.0, 16.4, "ff", ""},
        {"$formatBase(255, 2.5)", 255.0, 2.5, "11111111", ""},
        {"$formatBase(-255, 2)", -255.0, 2.0, "-11111111", ""},
        {"$formatBase(-255, 8)", -255.0, 8.0, "-377", ""},
        {"$formatBase(-255, 16)", -255.0, 16.0, "-ff", ""},
        {"$formatBase(-255, 36)", -255.0, 36.0, "-73", ""},
        {"$formatBase(-255, 1)", -255.0, 1.0, "", "D3100"},
        {"$formatBase(-255, 37)", -255.0, 37.0, "", "D3100"},
        {"$formatBase(-255, 16.4)", -255.0, 16.4, "-ff", ""},
        {"$formatBase(-255, 2.5)", -255.0, 2.5, "-11111111", ""},
        {"$formatBase(1e21, 2)", 1e+21, 2.0, "1101100011010111001001101011011100010111011110101000000000000000000000", ""},
        {"$formatBase(1e21, 8)", 1e+21, 8.0, "154327115334273650000000", ""},
        {"$formatBase(1e21, 16)", 1e+21, 16.0, "3635c9adc5dea00000", ""},
        {"$formatBase(1e21, 36)", 1e+21, 36.0, "5v1j4f4ds7c000", ""},
        {"$formatBase(1e21, 1)", 1e+21, 1.0, "", "D3100"},
        {"$formatBase(1e21, 37)", 1e+21, 37.0, "", "D3100"},
        {"$formatBase(1e21, 16.4)", 1e+21, 16.4, "3635c9adc5dea00000", ""},
        {"$formatBase(1e21, 2.5)", 1e+21, 2.5, "1101100011010111001001101011011100010111011110101000000000000000000000", ""},
        {"$formatBase(0.5, 2)", 0.5, 2.0, "0", ""},
        {"$formatBase(0.5, 8)", 0.5, 8.0, "0", ""},
        {"$formatBase(0.5, 16)", 0.5, 16.0, "0", ""},
        {"$formatBase(0.5, 36)", 0.5, 36.0, "0", ""},
        {"$formatBase(0.5, 1)", 0.5, 1.0, "", "D3100"},
        {"$formatBase(0.5, 37)", 0.5, 37.0, "", "D3100"},
        {"$formatBase(0.5, 16.4)", 0.5, 16.4, "0", ""},
        {"$formatBase(0.5, 2.5)", 0.5, 2.5, "0", ""},
        {"$formatBase(35, 2)", 35.0, 2.0, "100011", ""},
        {"$formatBase(35, 8)", 35.0, 8.0, "43", ""},
        {"$formatBase(35, 16)", 35.0, 16.0, "23", ""},
        {"$formatBase(35, 36)", 35.0, 36.0, "z", ""},
        {"$formatBase(35, 1)", 35.0, 1.0, "", "D3100"},
        {"$formatBase(35, 37)", 35.0, 37.0, "", "D3100"},
        {"$formatBase(35, 16.4)", 35.0, 16.4, "23", ""},
        {"$formatBase(35, 2.5)", 35.0, 2.5, "100011", ""},
        {"$formatBase(1234567, 2)", 1234567.0, 2.0, "100101101011010000111", ""},
        {"$formatBase(1234567, 8)", 1234567.0, 8.0, "4553207", ""},
        {"$formatBase(1234567, 16)", 1234567.0, 16.0, "12d687", ""},
        {"$formatBase(1234567, 36)", 1234567.0, 36.0, "qglj", ""},
        {"$formatBase(1234567, 1)", 1234567.0, 1.0, "", "D3100"},
        {"$formatBase(1234567, 37)", 1234567.0, 37.0, "", "D3100"},
        {"$formatBase(1234567, 16.4)", 1234567.0, 16.4, "12d687", ""},
        {"$formatBase(1234567, 2.5)", 1234567.0, 2.5, "100101101011010000111", ""},
        {"$formatBase(0.5)", 0.5, -1, "0", ""},
        {"$formatBase(1.5)", 1.5, -1, "2", ""},
        {"$formatBase(1e21, 16)", 1e+21, 16.0, "3635c9adc5dea00000", ""},
        {"$formatBase(-0.4, 2)", -0.4, 2.0, "0", ""},
        {"$formatBase(4294967296, 36)", 4294967296.0, 36.0, "1z141z4", ""},
        {"$formatBase(9007199254740993, 2)", 9007199254740992.0, 2.0, "100000000000000000000000000000000000000000000000000000", ""},
    };
    for (const auto& c : cases) {
        const auto radix = c.radix < 0 ? std::nullopt : std::optional<double>(c.radix);
        check_text(js::format_base(c.value, radix), c.expected, c.code, c.call);
    }
}

// kind: 'v' a value, 'n' NaN, 'u' undefined, 'e' an error with that code.
struct number_case { const char* call; const char* text; const char* picture; char kind; double value; const char* code; };

template <class R>
void check_number(const R& got, const number_case& c) {
    INFO(c.call);
    if (c.kind == 'e') {
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().cause.rfind(std::string(c.code) + ": ", 0) == 0);
        return;
    }
    REQUIRE(got.has_value());
    if (c.kind == 'u') {
        CHECK_FALSE(got->has_value());
        return;
    }
    REQUIRE(got->has_value());
    if (c.kind == 'n') {
        CHECK(std::isnan(**got));
    } else {
        CHECK(**got == c.value);
    }
}

TEST_CASE("$parseInteger reads what the reference reads", "[jsonata]") {
    static const number_case cases[] = {
        {"$parseInteger(\"12\", \"0\")", "12", "0", 'v', 12.0, ""},
        {"$parseInteger(\"001\", \"000\")", "001", "000", 'v', 1.0, ""},
        {"$parseInteger(\"1,234\", \"#,##0\")", "1,234", "#,##0", 'v', 1234.0, ""},
        {"$parseInteger(\"12th\", \"0;o\")", "12th", "0;o", 'v', 12.0, ""},
        {"$parseInteger(\"twelve\", \"w\")", "twelve", "w", 'v', 12.0, ""},
        {"$parseInteger(\"One Hundred and Five\", \"Ww\")", "One Hundred and Five", "Ww", 'v', 105.0, ""},
        {"$parseInteger(\"one thousand, two hundred and thirty-four\", \"w\")", "one thousand, two hundred and thirty-four", "w", 'v', 1234.0, ""},
        {"$parseInteger(\"MCMXCIX\", \"I\")", "MCMXCIX", "I", 'v', 1999.0, ""},
        {"$parseInteger(\"xiv\", \"i\")", "xiv", "i", 'v', 14.0, ""},
        {"$parseInteger(\"AB\", \"A\")", "AB", "A", 'v', 28.0, ""},
        {"$parseInteger(\"zz\", \"a\")", "zz", "a", 'v', 702.0, ""},
        {"$parseInteger(\"twenty-first\", \"w;o\")", "twenty-first", "w;o", 'v', 21.0, ""},
        {"$parseInteger(\"١٢\", \"٠\")", "١٢", "٠", 'v', 12.0, ""},
        {"$parseInteger(\"1-234\", \"#-##0\")", "1-234", "#-##0", 'v', 1.0, ""},
        {"$parseInteger(\"\", \"0\")", "", "0", 'n', 0, ""},
        {"$parseInteger(\"abc\", \"0\")", "abc", "0", 'n', 0, ""},
        {"$parseInteger(\"3.5\", \"0\")", "3.5", "0", 'v', 3.0, ""},
        {"$parseInteger(\"a million\", \"w\")", "a million", "w", 'n', 0, ""},
        {"$parseInteger(\"one million\", \"w\")", "one million", "w", 'v', 1000000.0, ""},
        {"$parseInteger(\"Zeroth\", \"Ww;o\")", "Zeroth", "Ww;o", 'v', 0.0, ""},
        {"$parseInteger(\"IIII\", \"I\")", "IIII", "I", 'v', 4.0, ""},
        {"$parseInteger(\"1,2,3\", \"0,0\")", "1,2,3", "0,0", 'v', 123.0, ""},
        {"$parseInteger(\"12\", \"i\")", "12", "i", 'n', 0, ""},
        {"$parseInteger(\"-5\", \"0\")", "-5", "0", 'v', -5.0, ""},
        {"$parseInteger(\"1 234\", \"0 000\")", "1 234", "0 000", 'v', 1.0, ""},
        {"$parseInteger(\"x\", \"%\")", "x", "%", 'e', 0, "D3130"},
        {"$parseInteger('forty-two', 'w')", "forty-two", "w", 'v', 42.0, ""},
        {"$parseInteger('one hundred and one', 'w')", "one hundred and one", "w", 'v', 101.0, ""},
        {"$parseInteger('MMXXIV', 'I')", "MMXXIV", "I", 'v', 2024.0, ""},
        {"$parseInteger('1,234,567', '#,##0')", "1,234,567", "#,##0", 'v', 1234567.0, ""},
        {"$parseInteger('42nd', '0;o')", "42nd", "0;o", 'v', 42.0, ""},
        {"$parseInteger('AA', 'A')", "AA", "A", 'v', 27.0, ""},
        {"$parseInteger('12', 'x')", "12", "x", 'e', 0, "D3130"},
    };
    for (const auto& c : cases) check_number(js::parse_integer(c.text, c.picture), c);
}

TEST_CASE("$toMillis reads what the reference reads", "[jsonata]") {
    static const number_case cases[] = {
        {"$toMillis(\"2018-01-01\")", "2018-01-01", nullptr, 'v', 1514764800000.0, ""},
        {"$toMillis(\"2018-01-01T00:00:00.000Z\")", "2018-01-01T00:00:00.000Z", nullptr, 'v', 1514764800000.0, ""},
        {"$toMillis(\"2018-03-23T10:33:36.617+01:00\")", "2018-03-23T10:33:36.617+01:00", nullptr, 'v', 1521797616617.0, ""},
        {"$toMillis(\"2018-03-23T10:33:36+0100\")", "2018-03-23T10:33:36+0100", nullptr, 'v', 1521797616000.0, ""},
        {"$toMillis(\"2018-03-23T10:33:36\")", "2018-03-23T10:33:36", nullptr, 'v', 1521801216000.0, ""},
        {"$toMillis(\"2018\")", "2018", nullptr, 'v', 1514764800000.0, ""},
        {"$toMillis(\"2018-03\")", "2018-03", nullptr, 'v', 1519862400000.0, ""},
        {"$toMillis(\"1969-12-31T23:59:59Z\")", "1969-12-31T23:59:59Z", nullptr, 'v', -1000.0, ""},
        {"$toMillis(\"2018-02-30\")", "2018-02-30", nullptr, 'v', 1519948800000.0, ""},
        {"$toMillis(\"2018-13-01\")", "2018-13-01", nullptr, 'n', 0, ""},
        {"$toMillis(\"2018-1-1\")", "2018-1-1", nullptr, 'e', 0, "D3110"},
        {"$toMillis(\"2024-02-29T12:00:00.5Z\")", "2024-02-29T12:00:00.5Z", nullptr, 'v', 1709208000500.0, ""},
        {"$toMillis(\"2024-02-29T12:00:00.123456Z\")", "2024-02-29T12:00:00.123456Z", nullptr, 'v', 1709208000123.0, ""},
        {"$toMillis(\"not a date\")", "not a date", nullptr, 'e', 0, "D3110"},
        {"$toMillis(\"\")", "", nullptr, 'e', 0, "D3110"},
        {"$toMillis(\"20180101\")", "20180101", nullptr, 'e', 0, "D3110"},
        {"$toMillis(\"2018-01-01T25:00:00Z\")", "2018-01-01T25:00:00Z", nullptr, 'n', 0, ""},
        {"$toMillis(\"0000-01-01T00:00:00Z\")", "0000-01-01T00:00:00Z", nullptr, 'v', -62167219200000.0, ""},
        {"$toMillis(\"9999-12-31T23:59:59.999Z\")", "9999-12-31T23:59:59.999Z", nullptr, 'v', 253402300799999.0, ""},
        {"$toMillis(\"2018-01-01T10:00\")", "2018-01-01T10:00", nullptr, 'e', 0, "D3110"},
        {"$toMillis(\"2018-01-01T24:00:00Z\")", "2018-01-01T24:00:00Z", nullptr, 'v', 1514851200000.0, ""},
        {"$toMillis(\"2018-06-15T12:00:00-0830\")", "2018-06-15T12:00:00-0830", nullptr, 'v', 1529094600000.0, ""},
        {"$toMillis(\"2018-01-01-05\")", "2018-01-01-05", nullptr, 'n', 0, ""},
        {"$toMillis(\"2018-03-23\", \"[Y0001]-[M01]-[D01]\")", "2018-03-23", "[Y0001]-[M01]-[D01]", 'v', 1521763200000.0, ""},
        {"$toMillis(\"23/03/2018 10:33\", \"[D01]/[M01]/[Y0001] [H01]:[m01]\")", "23/03/2018 10:33", "[D01]/[M01]/[Y0001] [H01]:[m01]", 'v', 1521801180000.0, ""},
        {"$toMillis(\"Friday, 23 March 2018\", \"[FNn], [D] [MNn] [Y]\")", "Friday, 23 March 2018", "[FNn], [D] [MNn] [Y]", 'v', 1521763200000.0, ""},
        {"$toMillis(\"23rd March 2018\", \"[D1o] [MNn] [Y]\")", "23rd March 2018", "[D1o] [MNn] [Y]", 'v', 1521763200000.0, ""},
        {"$toMillis(\"2018-082\", \"[Y0001]-[d001]\")", "2018-082", "[Y0001]-[d001]", 'v', 1521763200000.0, ""},
        {"$toMillis(\"10:33 pm 2018-03-23\", \"[h]:[m01] [P] [Y0001]-[M01]-[D01]\")", "10:33 pm 2018-03-23", "[h]:[m01] [P] [Y0001]-[M01]-[D01]", 'v', 1521844380000.0, ""},
        {"$toMillis(\"12:05 am 2018-03-23\", \"[h]:[m01] [P] [Y0001]-[M01]-[D01]\")", "12:05 am 2018-03-23", "[h]:[m01] [P] [Y0001]-[M01]-[D01]", 'v', 1521763500000.0, ""},
        {"$toMillis(\"2018-03-23T10:33:36+0530\", \"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]\")", "2018-03-23T10:33:36+0530", "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]", 'u', 0, ""},
        {"$toMillis(\"2018-03-23T10:33:36+05:30\", \"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z01:01]\")", "2018-03-23T10:33:36+05:30", "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z01:01]", 'v', 1521781416000.0, ""},
        {"$toMillis(\"2018-03-23 GMT-02:00\", \"[Y0001]-[M01]-[D01] [z]\")", "2018-03-23 GMT-02:00", "[Y0001]-[M01]-[D01] [z]", 'v', 1521770400000.0, ""},
        {"$toMillis(\"MMXVIII-III-XXIII\", \"[YI]-[MI]-[DI]\")", "MMXVIII-III-XXIII", "[YI]-[MI]-[DI]", 'v', 1521763200000.0, ""},
        {"$toMillis(\"twenty-third of March, two thousand and eighteen\", \"[Dw;o] of [MNn], [Yw]\")", "twenty-third of March, two thousand and eighteen", "[Dw;o] of [MNn], [Yw]", 'e', 0, "D3130"},
        {"$toMillis(\"2018-03-23 10\", \"[Y0001]-[M01]-[D01] [H01]\")", "2018-03-23 10", "[Y0001]-[M01]-[D01] [H01]", 'v', 1521799200000.0, ""},
        {"$toMillis(\"2018-03 10:33\", \"[Y0001]-[M01] [H01]:[m01]\")", "2018-03 10:33", "[Y0001]-[M01] [H01]:[m01]", 'e', 0, "D3136"},
        {"$toMillis(\"2018 10:33\", \"[Y0001] [m01]:[s01]\")", "2018 10:33", "[Y0001] [m01]:[s01]", 'e', 0, "D3136"},
        {"$toMillis(\"nonsense\", \"[Y0001]-[M01]-[D01]\")", "nonsense", "[Y0001]-[M01]-[D01]", 'u', 0, ""},
        {"$toMillis(\"2018-03-23\", \"[Y0001]-[M01]-[D01]T\")", "2018-03-23", "[Y0001]-[M01]-[D01]T", 'u', 0, ""},
        {"$toMillis(\"MAR 2018\", \"[MN,3-3] [Y]\")", "MAR 2018", "[MN,3-3] [Y]", 'v', 1514764800000.0, ""},
        {"$toMillis(\"2018-03-23 10:33:36.617\", \"[Y0001]-[M01]-[D01] [H01]:[m01]:[s01].[f001]\")", "2018-03-23 10:33:36.617", "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01].[f001]", 'v', 1521801216617.0, ""},
        {"$toMillis(\"2018-W12-5\", \"[X0001]-W[W01]-[F1]\")", "2018-W12-5", "[X0001]-W[W01]-[F1]", 'e', 0, "D3136"},
        {"$toMillis(\"2018\", \"[Y]\")", "2018", "[Y]", 'v', 1514764800000.0, ""},
        {"$toMillis(\"1999-12-31\", \"[Y0001]-[M01]-[D01]\")", "1999-12-31", "[Y0001]-[M01]-[D01]", 'v', 946598400000.0, ""},
        {"$toMillis(\"31.12.99\", \"[D01].[M01].[Y01]\")", "31.12.99", "[D01].[M01].[Y01]", 'v', 946598400000.0, ""},
        {"$toMillis(\"2018-03-23\", \"[Y0001]-[M01]-[D01\")", "2018-03-23", "[Y0001]-[M01]-[D01", 'e', 0, "D3135"},
        {"$toMillis(\"23 mar 2018\", \"[D] [Mn,3-3] [Y]\")", "23 mar 2018", "[D] [Mn,3-3] [Y]", 'e', 0, "D3136"},
        {"$toMillis($fromMillis(1521801216617, \"[Y0001]-[M01]-[D01]\"), \"[Y0001]-[M01]-[D01]\")", "2018-03-23", "[Y0001]-[M01]-[D01]", 'v', 1521763200000.0, ""},
    };
    for (const auto& c : cases) {
        const auto picture = c.picture ? std::optional<std::string_view>(c.picture) : std::nullopt;
        check_number(js::to_millis(c.text, picture, 1700000000000.0), c);
    }
}

TEST_CASE("$toMillis fills the parts a picture leaves out from now", "[jsonata]") {
    // 2023-11-14T22:13:20Z: a time alone takes today's date; a month and day take this year.
    const auto time_only = js::to_millis("10:30", std::string_view("[H01]:[m01]"), 1700000000000.0);
    REQUIRE(time_only.has_value());
    REQUIRE(time_only->has_value());
    CHECK(**time_only == 1699957800000.0);
    const auto month_day = js::to_millis("03-23", std::string_view("[M01]-[D01]"), 1700000000000.0);
    REQUIRE(month_day.has_value());
    REQUIRE(month_day->has_value());
    CHECK(**month_day == 1679529600000.0);
}

TEST_CASE("$fromMillis prints what the reference prints", "[jsonata]") {
    struct millis_case { const char* call; double millis; const char* picture; const char* timezone; const char* expected; const char* code; };
    static const millis_case cases[] = {
        {"$fromMillis(0)", 0.0, nullptr, nullptr, "1970-01-01T00:00:00.000Z", ""},
        {"$fromMillis(0, \"[Y,4-4]\")", 0.0, "[Y,4-4]", nullptr, "1970", ""},
        {"$fromMillis(0, \"[Fn,2-2]\")", 0.0, "[Fn,2-2]", nullptr, "th", ""},
        {"$fromMillis(0, \"[x]\")", 0.0, "[x]", nullptr, "1", ""},
        {"$fromMillis(0, \"[Dw]\")", 0.0, "[Dw]", nullptr, "one", ""},
        {"$fromMillis(0, \"[D#1]\")", 0.0, "[D#1]", nullptr, "1", ""},
        {"$fromMillis(0, \"[H#]\")", 0.0, "[H#]", nullptr, "", "D3130"},
        {"$fromMillis(0, \"[Do]\")", 0.0, "[Do]", nullptr, "", "D3130"},
        {"$fromMillis(1521801216617, \"[Y,4-4]\")", 1521801216617.0, "[Y,4-4]", nullptr, "2018", ""},
        {"$fromMillis(1521801216617, \"[d]\")", 1521801216617.0, "[d]", nullptr, "82", ""},
        {"$fromMillis(1521801216617, \"[xNn]\")", 1521801216617.0, "[xNn]", nullptr, "March", ""},
        {"$fromMillis(1521801216617, \"[Z0101]\")", 1521801216617.0, "[Z0101]", nullptr, "+0000", ""},
        {"$fromMillis(1521801216617, \"[f01]\")", 1521801216617.0, "[f01]", nullptr, "617", ""},
        {"$fromMillis(1521801216617, \"[Q]\")", 1521801216617.0, "[Q]", nullptr, "", "D3132"},
        {"$fromMillis(1521801216617, \"[Do]\")", 1521801216617.0, "[Do]", nullptr, "", "D3130"},
        {"$fromMillis(-1000)", -1000.0, nullptr, nullptr, "1969-12-31T23:59:59.000Z", ""},
        {"$fromMillis(-1000, \"[d]\")", -1000.0, "[d]", nullptr, "365", ""},
        {"$fromMillis(-1000, \"[W]\")", -1000.0, "[W]", nullptr, "1", ""},
        {"$fromMillis(-1000, \"[Z0101]\")", -1000.0, "[Z0101]", nullptr, "+0000", ""},
        {"$fromMillis(-1000, \"[DW]\")", -1000.0, "[DW]", nullptr, "THIRTY-ONE", ""},
        {"$fromMillis(-1000, \"[Y\")", -1000.0, "[Y", nullptr, "", "D3135"},
        {"$fromMillis(-1000, \"[m1]\")", -1000.0, "[m1]", nullptr, "59", ""},
        {"$fromMillis(951782400000, \"[Y0001]-[M01]-[D01]\")", 951782400000.0, "[Y0001]-[M01]-[D01]", nullptr, "2000-02-29", ""},
        {"$fromMillis(951782400000, \"[D1o] [MNn] [Y]\")", 951782400000.0, "[D1o] [MNn] [Y]", nullptr, "29th February 2000", ""},
        {"$fromMillis(951782400000, \"[W]\")", 951782400000.0, "[W]", nullptr, "9", ""},
        {"$fromMillis(951782400000, \"[xNn]\")", 951782400000.0, "[xNn]", nullptr, "March", ""},
        {"$fromMillis(951782400000, \"[DW]\")", 951782400000.0, "[DW]", nullptr, "TWENTY-NINE", ""},
        {"$fromMillis(951782400000, \"[f1]\")", 951782400000.0, "[f1]", nullptr, "0", ""},
        {"$fromMillis(951782400000, \"[m1]\")", 951782400000.0, "[m1]", nullptr, "0", ""},
        {"$fromMillis(951782400000, \"[Mo]\")", 951782400000.0, "[Mo]", nullptr, "", "D3130"},
        {"$fromMillis(1709208000000, \"[FNn], [D] [MNn,3-3] [Y]\")", 1709208000000.0, "[FNn], [D] [MNn,3-3] [Y]", nullptr, "Thursday, 29 Feb 2024", ""},
        {"$fromMillis(1709208000000, \"[d001]\")", 1709208000000.0, "[d001]", nullptr, "060", ""},
        {"$fromMillis(1709208000000, \"[Z]\")", 1709208000000.0, "[Z]", nullptr, "+00:00", ""},
        {"$fromMillis(1709208000000, \"[ZN]\")", 1709208000000.0, "[ZN]", nullptr, "", "D3134"},
        {"$fromMillis(1709208000000, \"[f1]\")", 1709208000000.0, "[f1]", nullptr, "0", ""},
        {"$fromMillis(1709208000000, \"[Y\")", 1709208000000.0, "[Y", nullptr, "", "D3135"},
        {"$fromMillis(1709208000000, \"[Mo]\")", 1709208000000.0, "[Mo]", nullptr, "", "D3130"},
        {"$fromMillis(1104537600000, \"[Y]-[M]-[D]\")", 1104537600000.0, "[Y]-[M]-[D]", nullptr, "2005-1-1", ""},
        {"$fromMillis(1104537600000, \"[d001]\")", 1104537600000.0, "[d001]", nullptr, "001", ""},
        {"$fromMillis(1104537600000, \"[W01]\")", 1104537600000.0, "[W01]", nullptr, "53", ""},
        {"$fromMillis(1104537600000, \"[C] [E]\")", 1104537600000.0, "[C] [E]", nullptr, "ISO ISO", ""},
        {"$fromMillis(1104537600000, \"[DWw]\")", 1104537600000.0, "[DWw]", nullptr, "One", ""},
        {"$fromMillis(1104537600000, \"[M,5-6]\")", 1104537600000.0, "[M,5-6]", nullptr, "000001", ""},
        {"$fromMillis(1104537600000, \"[s1]\")", 1104537600000.0, "[s1]", nullptr, "0", ""},
        {"$fromMillis(1230681600000, \"[Y]-[M]-[D]\")", 1230681600000.0, "[Y]-[M]-[D]", nullptr, "2008-12-31", ""},
        {"$fromMillis(1230681600000, \"[FNn], [D] [MNn,3-3] [Y]\")", 1230681600000.0, "[FNn], [D] [MNn,3-3] [Y]", nullptr, "Wednesday, 31 Dec 2008", ""},
        {"$fromMillis(1230681600000, \"[W01]\")", 1230681600000.0, "[W01]", nullptr, "01", ""},
        {"$fromMillis(1230681600000, \"[z]\")", 1230681600000.0, "[z]", nullptr, "GMT+00:00", ""},
        {"$fromMillis(1230681600000, \"[DWw]\")", 1230681600000.0, "[DWw]", nullptr, "Thirty-One", ""},
        {"$fromMillis(1230681600000, \"[ Y0001 ] - [M 01]\")", 1230681600000.0, "[ Y0001 ] - [M 01]", nullptr, "2008 - 12", ""},
        {"$fromMillis(1230681600000, \"[Y0001]-[d001]\")", 1230681600000.0, "[Y0001]-[d001]", nullptr, "2008-366", ""},
        {"$fromMillis(1230681600000, \"[Hn]\")", 1230681600000.0, "[Hn]", nullptr, "", "D3133"},
        {"$fromMillis(253402300799999, \"[H01]:[m01]:[s01].[f001]\")", 253402300799999.0, "[H01]:[m01]:[s01].[f001]", nullptr, "23:59:59.999", ""},
        {"$fromMillis(253402300799999, \"[F]\")", 253402300799999.0, "[F]", nullptr, "friday", ""},
        {"$fromMillis(253402300799999, \"[z]\")", 253402300799999.0, "[z]", nullptr, "GMT+00:00", ""},
        {"$fromMillis(253402300799999, \"[C] [E]\")", 253402300799999.0, "[C] [E]", nullptr, "ISO ISO", ""},
        {"$fromMillis(253402300799999, \"[ Y0001 ] - [M 01]\")", 253402300799999.0, "[ Y0001 ] - [M 01]", nullptr, "9999 - 12", ""},
        {"$fromMillis(253402300799999, \"[MNn,*-3]\")", 253402300799999.0, "[MNn,*-3]", nullptr, "Dec", ""},
        {"$fromMillis(253402300799999, \"[Hn]\")", 253402300799999.0, "[Hn]", nullptr, "", "D3133"},
        {"$fromMillis(-62135596800000, \"[Y,2]\")", -62135596800000.0, "[Y,2]", nullptr, "01", ""},
        {"$fromMillis(-62135596800000, \"[F1]\")", -62135596800000.0, "[F1]", nullptr, "1", ""},
        {"$fromMillis(-62135596800000, \"[w]\")", -62135596800000.0, "[w]", nullptr, "1", ""},
        {"$fromMillis(-62135596800000, \"[YI]\")", -62135596800000.0, "[YI]", nullptr, "I", ""},
        {"$fromMillis(-62135596800000, \"[Ya]\")", -62135596800000.0, "[Ya]", nullptr, "a", ""},
        {"$fromMillis(-62135596800000, \"[MNn,*-3]\")", -62135596800000.0, "[MNn,*-3]", nullptr, "Jan", ""},
        {"$fromMillis(-62135596800000, \"[Y0001]-[d001]\")", -62135596800000.0, "[Y0001]-[d001]", nullptr, "0001-001", ""},
        {"$fromMillis(1.5, \"[Y,2]\")", 1.5, "[Y,2]", nullptr, "70", ""},
        {"$fromMillis(1.5, \"[h]:[m01] [P]\")", 1.5, "[h]:[m01] [P]", nullptr, "12:00 am", ""},
        {"$fromMillis(1.5, \"[w]\")", 1.5, "[w]", nullptr, "1", ""},
        {"$fromMillis(1.5, \"[Z0]\")", 1.5, "[Z0]", nullptr, "+0", ""},
        {"$fromMillis(1.5, \"[MA]\")", 1.5, "[MA]", nullptr, "A", ""},
        {"$fromMillis(1.5, \"[[Y]]\")", 1.5, "[[Y]]", nullptr, "[Y]", ""},
        {"$fromMillis(1.5, \"[Y٠٠٠٠]\")", 1.5, "[Y٠٠٠٠]", nullptr, "١٩٧٠", ""},
        {"$fromMillis(1.5, \"[Z010101]\")", 1.5, "[Z010101]", nullptr, "", "D3134"},
        {"$fromMillis(1735603200000, \"[h]:[m01] [P]\")", 1735603200000.0, "[h]:[m01] [P]", nullptr, "12:00 am", ""},
        {"$fromMillis(1735603200000, \"[F1]\")", 1735603200000.0, "[F1]", nullptr, "2", ""},
        {"$fromMillis(1735603200000, \"[Z0]\")", 1735603200000.0, "[Z0]", nullptr, "+0", ""},
        {"$fromMillis(1735603200000, \"[Mi]\")", 1735603200000.0, "[Mi]", nullptr, "xii", ""},
        {"$fromMillis(1735603200000, \"[[Y]]\")", 1735603200000.0, "[[Y]]", nullptr, "[Y]", ""},
        {"$fromMillis(1735603200000, \"[Y9,999]\")", 1735603200000.0, "[Y9,999]", nullptr, "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002024", ""},
        {"$fromMillis(1735603200000, \"[Z1]\")", 1735603200000.0, "[Z1]", nullptr, "+0", ""},
        {"$fromMillis(1609459200000, \"[Y01]\")", 1609459200000.0, "[Y01]", nullptr, "21", ""},
        {"$fromMillis(1609459200000, \"[FN]\")", 1609459200000.0, "[FN]", nullptr, "FRIDAY", ""},
        {"$fromMillis(1609459200000, \"[X]\")", 1609459200000.0, "[X]", nullptr, "2020", ""},
        {"$fromMillis(1609459200000, \"[Mi]\")", 1609459200000.0, "[Mi]", nullptr, "i", ""},
        {"$fromMillis(1609459200000, \"[MA]\")", 1609459200000.0, "[MA]", nullptr, "A", ""},
        {"$fromMillis(1609459200000, \"[Y9,999]\")", 1609459200000.0, "[Y9,999]", nullptr, "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002021", ""},
        {"$fromMillis(1609459200000, \"[D;o]\")", 1609459200000.0, "[D;o]", nullptr, "", "D3130"},
        {"$fromMillis(1521801216617, \"[Z0101]\", \"+0000\")", 1521801216617.0, "[Z0101]", "+0000", "+0000", ""},
        {"$fromMillis(1521801216617, \"[Z0101]\", \"-0500\")", 1521801216617.0, "[Z0101]", "-0500", "-0500", ""},
        {"$fromMillis(1521801216617, \"[Z0]\", \"+1400\")", 1521801216617.0, "[Z0]", "+1400", "+14", ""},
        {"$fromMillis(1521801216617, \"[Z01:01t]\", \"-1200\")", 1521801216617.0, "[Z01:01t]", "-1200", "-12:00", ""},
        {"$fromMillis(1521801216617, \"[H01]:[m01] [z]\", \"+0100\")", 1521801216617.0, "[H01]:[m01] [z]", "+0100", "11:33 GMT+01:00", ""},
        {"$fromMillis(1521801216617, \"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]\", \"-0030\")", 1521801216617.0, "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]", "-0030", "2018-03-23T09:03:36-01:30", ""},
        {"$fromMillis(0, \"[Z]\", \"+0000\")", 0.0, "[Z]", "+0000", "+00:00", ""},
        {"$fromMillis(0, \"[Z0101]\", \"-0500\")", 0.0, "[Z0101]", "-0500", "-0500", ""},
        {"$fromMillis(0, \"[Z0]\", \"+1400\")", 0.0, "[Z0]", "+1400", "+14", ""},
        {"$fromMillis(0, \"[Z0]\", \"-1200\")", 0.0, "[Z0]", "-1200", "-12", ""},
        {"$fromMillis(0, \"[H01]:[m01] [z]\", \"+0100\")", 0.0, "[H01]:[m01] [z]", "+0100", "01:00 GMT+01:00", ""},
        {"$fromMillis(0, \"[H01]:[m01] [z]\", \"-0030\")", 0.0, "[H01]:[m01] [z]", "-0030", "22:30 GMT-01:30", ""},
        {"$fromMillis(-1000, \"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]\", \"-0500\")", -1000.0, "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]", "-0500", "1969-12-31T18:59:59-05:00", ""},
        {"$fromMillis(-1000, \"[Z]\", \"-0500\")", -1000.0, "[Z]", "-0500", "-05:00", ""},
        {"$fromMillis(-1000, \"[Z0101]\", \"+1400\")", -1000.0, "[Z0101]", "+1400", "+1400", ""},
        {"$fromMillis(-1000, \"[Z0]\", \"-1200\")", -1000.0, "[Z0]", "-1200", "-12", ""},
        {"$fromMillis(-1000, \"[Z01:01t]\", \"+0100\")", -1000.0, "[Z01:01t]", "+0100", "+01:00", ""},
        {"$fromMillis(-1000, \"[H01]:[m01] [z]\", \"-0030\")", -1000.0, "[H01]:[m01] [z]", "-0030", "22:29 GMT-01:30", ""},
    };
    for (const auto& c : cases) {
        const auto picture = c.picture ? std::optional<std::string_view>(c.picture) : std::nullopt;
        const auto zone = c.timezone ? std::optional<std::string_view>(c.timezone) : std::nullopt;
        check_text(js::from_millis(c.millis, picture, zone), c.expected, c.code, c.call);
    }
}

TEST_CASE("bounded where the reference never returns or overflows its stack", "[jsonata]") {
    // The reference loops forever scaling zero into an exponent picture; stepfn prints it.
    const auto zero = js::format_number(0, "0.00e0", nullptr);
    REQUIRE(zero.has_value());
    CHECK(*zero == "0.00e0");
    // Roman numerals of huge values: an error, not a gigabyte of 'M'.
    const auto roman = js::format_integer(1e15, "I");
    REQUIRE_FALSE(roman.has_value());
    CHECK(roman.error().cause.rfind("D1001: ", 0) == 0);
    // Beyond the largest word the reference stacks "Trillion"s (its value, printed there).
    const auto words = js::format_integer(1e30, "Ww");
    REQUIRE(words.has_value());
    CHECK(*words == "One Million Trillion Trillion");
    // A hostile timestamp is refused before the backtracking matcher sees it.
    const auto long_text = js::to_millis(std::string(100000, '1'), std::string_view("[Y][M][D]"), 0);
    REQUIRE(long_text.has_value());
    CHECK_FALSE(long_text->has_value());
}
} // namespace jsonata_format_test
