#ifndef STEPFN_INTEGRATIONS_DETAIL_SQLITE_ROWS_HPP
#define STEPFN_INTEGRATIONS_DETAIL_SQLITE_ROWS_HPP

// Reading an execution's row out of SQLite's columns (the encodings every store shares are in
// store_rows.hpp); whatever is read back is checked, since the file is outside.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <stepfn/detail/hash.hpp>
#include <stepfn/error.hpp>
#include <stepfn/execution_status.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/integrations/detail/bounded_json.hpp>
#include <stepfn/integrations/detail/sqlite_connection.hpp>
#include <stepfn/integrations/detail/store_rows.hpp>
#include <stepfn/store/stored_execution.hpp>

namespace stepfn {
namespace detail {

// The columns every execution read selects, in this order.
inline constexpr const char* execution_columns =
    "arn, name, machine_arn, definition_id, status, input, output, error, cause, start_ns, stop_ns, redrive_count, "
    "redrive_ns, event_count, seq";

inline result<stored_execution> read_execution(const sqlite_statement& row, const std::string& path) {
    stored_execution e;
    e.arn = row.text(0);
    e.name = row.text(1);
    e.machine_arn = row.text(2);
    e.definition_id = row.text(3);
    const std::string status = row.text(4);
    if (!parse_execution_status(status, e.status)) return tl::make_unexpected(corrupted_row(path, "the execution '" + e.arn + "' has the status '" + status + "'"));
    e.input = row.text(5);
    e.output = row.text(6);
    e.error = row.text(7);
    e.cause = row.text(8);
    e.start_date = from_store_ns(row.integer(9));
    if (auto stop = row.optional_integer(10)) e.stop_date = from_store_ns(*stop);
    e.redrive_count = row.integer(11);
    if (auto redrive = row.optional_integer(12)) e.redrive_date = from_store_ns(*redrive);
    e.event_count = row.integer(13);
    e.sequence = static_cast<std::uint64_t>(row.integer(14));
    return e;
}

} // namespace detail
} // namespace stepfn

#endif
