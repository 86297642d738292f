#ifndef STEPFN_LOAD_DETAIL_LOADER_MAP_HPP
#define STEPFN_LOAD_DETAIL_LOADER_MAP_HPP

// definition_loader's members:
// the Map state: ItemProcessor, ItemReader, ItemBatcher, ResultWriter.

#include <stepfn/load/detail/definition_loader.hpp>

namespace stepfn::detail {

inline map_state definition_loader::load_map(const json& body, const std::string& pointer, query_language language,
                                             const scope_names& names) {
    map_state out;
    const bool jsonpath = language == query_language::jsonpath;
    const json* processor = get(body, "ItemProcessor");
    std::string_view processor_field = "ItemProcessor";
    if (!processor) {
        processor = get(body, "Iterator");
        processor_field = "Iterator";
    }
    if (!processor) report(pointer, "These fields are required: [ItemProcessor]");
    exclusive(body, pointer, "ItemProcessor", "Iterator");
    if (processor) {
        std::string at = pointer_child(pointer, processor_field);
        if (expect_object(*processor, at, processor_field)) {
            if (const json* config = get(*processor, "ProcessorConfig"))
                load_processor_config(*config, pointer_child(at, "ProcessorConfig"), out);
            auto inner = std::make_shared<scope>();
            load_scope(*processor, at, scope_kind::processor, *inner);
            out.processor = std::move(inner);
        }
    }

    if (jsonpath) {
        exclusive(body, pointer, "ItemSelector", "Parameters");
        out.items_path = get(body, "ItemsPath") ? reference_field(body, pointer, "ItemsPath") : root_path_;
        out.item_selector = template_field(body, pointer, "ItemSelector");
        if (!out.item_selector) out.item_selector = template_field(body, pointer, "Parameters");
        out.result_selector = template_field(body, pointer, "ResultSelector");
        out.result_path = result_path(body, pointer);
    } else {
        out.items_path = root_path_;
        out.result_path = root_path_;
        if (const json* items = get(body, "Items")) {
            if (!items->is_array() && !is_jsonata_expression(*items))
                report(pointer_child(pointer, "Items"), "'Items' must be an array or a JSONata expression");
            else
                out.jsonata_items = jsonata_field(*items, pointer_child(pointer, "Items"), "Items", states_everywhere);
        }
        // ItemSelector in JSONata holds expressions, not `.$` keys.
        if (const json* selector = get(body, "ItemSelector"))
            out.jsonata_item_selector =
                jsonata_field(*selector, pointer_child(pointer, "ItemSelector"), "ItemSelector", states_everywhere);
    }

    out.max_concurrency = int_or_path_field(body, pointer, language, "MaxConcurrency", "MaxConcurrencyPath", 0,
                                            unbounded);
    out.tolerated_failure_count = int_or_path_field(body, pointer, language, "ToleratedFailureCount",
                                                    "ToleratedFailureCountPath", 0, unbounded);
    out.tolerated_failure_percentage = number_or_path_field(
        body, pointer, language, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", 0.0, 100.0);
    if (const json* label = get(body, "Label")) {
        std::string at = pointer_child(pointer, "Label");
        if (auto text = read_string(*label, at, "Label")) {
            if (auto problem = label_problem(*text)) report(at, std::move(*problem));
            else out.label = std::move(*text);
        }
    }

    const bool distributed = out.mode == map_mode::distributed;
    for (std::string_view field : {"ItemReader", "ItemBatcher", "ResultWriter"}) {
        const json* value = get(body, field);
        if (!value) continue;
        std::string at = pointer_child(pointer, field);
        if (!distributed) {
            report(at, not_supported(field) + " unless ProcessorConfig.Mode is DISTRIBUTED");
            continue;
        }
        if (!expect_object(*value, at, field)) continue;
        if (field == "ItemReader") {
            load_item_reader(*value, at, language, out);
            out.item_reader = read_item_reader_spec(*value);
        } else if (field == "ItemBatcher") {
            load_item_batcher(*value, at, language, out);
            out.item_batcher = read_item_batcher_spec(*value);
        } else {
            load_result_writer(*value, at, language, out);
            out.result_writer = read_result_writer_spec(*value);
        }
    }
    out.recover = load_recovery(body, pointer, language, names);
    return out;
}

inline void definition_loader::load_processor_config(const json& config, const std::string& pointer, map_state& out) {
    if (!expect_object(config, pointer, "ProcessorConfig")) return;
    static constexpr std::string_view allowed[] = {"Mode", "ExecutionType"};
    check_fields(config, pointer, allowed);
    if (const json* mode = get(config, "Mode")) {
        if (*mode == "INLINE") out.mode = map_mode::inline_;
        else if (*mode == "DISTRIBUTED") out.mode = map_mode::distributed;
        else report(pointer_child(pointer, "Mode"), "'Mode' must be \"INLINE\" or \"DISTRIBUTED\"");
    }
    const json* execution_type = get(config, "ExecutionType");
    if (out.mode == map_mode::inline_) {
        if (execution_type)
            report(pointer_child(pointer, "ExecutionType"), not_supported("ExecutionType") + " when Mode is INLINE");
        return;
    }
    if (!execution_type) {
        report(pointer, "These fields are required: [ExecutionType] (Mode is DISTRIBUTED)");
        return;
    }
    if (*execution_type == "STANDARD") out.execution_type = map_execution_type::standard;
    else if (*execution_type == "EXPRESS") out.execution_type = map_execution_type::express;
    else report(pointer_child(pointer, "ExecutionType"), "'ExecutionType' must be \"STANDARD\" or \"EXPRESS\"");
}

inline void definition_loader::enum_field(const json& object, const std::string& pointer, std::string_view field,
                                          std::initializer_list<std::string_view> values) {
    const json* value = get(object, field);
    if (!value) return;
    if (value->is_string()) {
        const auto& text = value->get_ref<const std::string&>();
        for (auto v : values)
            if (text == v) return;
    }
    std::string list;
    for (auto v : values) {
        if (!list.empty()) list += ", ";
        list += v;
    }
    report(pointer_child(pointer, field), quoted(field) + " must be one of " + list);
}

// Resource and Parameters of an ItemReader or ResultWriter, the Parameters compiled for the
// engine (JSONata Arguments are kept as written).
inline std::optional<payload_template> definition_loader::resource_arguments(const json& object,
                                                                             const std::string& pointer,
                                                                             query_language language) {
    std::optional<payload_template> compiled;
    if (language == query_language::jsonpath) {
        if (const json* parameters = get(object, "Parameters"))
            compiled = compile_template(*parameters, pointer_child(pointer, "Parameters"));
    }
    if (const json* resource = get(object, "Resource"))
        read_string(*resource, pointer_child(pointer, "Resource"), "Resource");
    return compiled;
}

inline void definition_loader::load_item_reader(const json& reader, const std::string& pointer,
                                                query_language language, map_state& out) {
    if (language == query_language::jsonpath) {
        static constexpr std::string_view allowed[] = {"Resource", "Parameters", "ReaderConfig"};
        check_fields(reader, pointer, allowed);
    } else {
        static constexpr std::string_view allowed[] = {"Resource", "Arguments", "ReaderConfig"};
        check_fields(reader, pointer, allowed);
    }
    static constexpr std::string_view required[] = {"Resource"};
    require_fields(reader, pointer, required);
    out.reader_parameters = resource_arguments(reader, pointer, language);
    if (language == query_language::jsonata)
        if (const json* arguments = get(reader, "Arguments"))
            out.jsonata_reader_arguments = jsonata_field(*arguments, pointer_child(pointer, "Arguments"),
                                                         "ItemReader/Arguments", states_everywhere);
    const json* config = get(reader, "ReaderConfig");
    if (!config) return;
    std::string at = pointer_child(pointer, "ReaderConfig");
    if (!expect_object(*config, at, "ReaderConfig")) return;
    if (language == query_language::jsonpath) {
        static constexpr std::string_view allowed[] = {
            "InputType", "CSVHeaderLocation", "CSVHeaders",   "CSVDelimiter", "ItemsPointer",
            "Transformation", "ManifestType", "MaxItems",     "MaxItemsPath"};
        check_fields(*config, at, allowed);
    } else {
        static constexpr std::string_view allowed[] = {"InputType",      "CSVHeaderLocation", "CSVHeaders",
                                                       "CSVDelimiter",   "ItemsPointer",      "Transformation",
                                                       "ManifestType",   "MaxItems"};
        check_fields(*config, at, allowed);
    }
    enum_field(*config, at, "InputType", {"CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"});
    enum_field(*config, at, "CSVHeaderLocation", {"FIRST_ROW", "GIVEN"});
    enum_field(*config, at, "CSVDelimiter", {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"});
    enum_field(*config, at, "Transformation", {"NONE", "LOAD_AND_FLATTEN"});
    enum_field(*config, at, "ManifestType", {"S3_INVENTORY", "ATHENA_DATA"});
    if (const json* headers = get(*config, "CSVHeaders")) {
        bool ok = headers->is_array();
        if (ok)
            for (const auto& h : *headers) ok = ok && h.is_string();
        if (!ok) report(pointer_child(at, "CSVHeaders"), "'CSVHeaders' must be an array of strings");
    }
    if (const json* items_pointer = get(*config, "ItemsPointer"))
        read_string(*items_pointer, pointer_child(at, "ItemsPointer"), "ItemsPointer");
    out.reader_max_items = int_or_path_field(*config, at, language, "MaxItems", "MaxItemsPath", 0, max_reader_items);
}

inline void definition_loader::load_item_batcher(const json& batcher, const std::string& pointer,
                                                 query_language language, map_state& out) {
    if (language == query_language::jsonpath) {
        static constexpr std::string_view allowed[] = {"MaxItemsPerBatch", "MaxItemsPerBatchPath",
                                                       "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath",
                                                       "BatchInput"};
        check_fields(batcher, pointer, allowed);
    } else {
        static constexpr std::string_view allowed[] = {"MaxItemsPerBatch", "MaxInputBytesPerBatch",
                                                       "BatchInput"};
        check_fields(batcher, pointer, allowed);
    }
    auto items = int_or_path_field(batcher, pointer, language, "MaxItemsPerBatch", "MaxItemsPerBatchPath", 1,
                                   unbounded);
    auto bytes = int_or_path_field(batcher, pointer, language, "MaxInputBytesPerBatch",
                                   "MaxInputBytesPerBatchPath", 1, max_batch_bytes);
    out.batch_max_items = std::move(items);
    out.batch_max_bytes = std::move(bytes);
    if (!get(batcher, "MaxItemsPerBatch") && !get(batcher, "MaxItemsPerBatchPath") &&
        !get(batcher, "MaxInputBytesPerBatch") && !get(batcher, "MaxInputBytesPerBatchPath"))
        report(pointer, "'ItemBatcher' needs at least one of 'MaxItemsPerBatch', 'MaxItemsPerBatchPath', "
                        "'MaxInputBytesPerBatch' or 'MaxInputBytesPerBatchPath'");
    if (const json* input = get(batcher, "BatchInput")) {
        if (language == query_language::jsonpath)
            out.batch_input = compile_template(*input, pointer_child(pointer, "BatchInput"));
        else
            out.jsonata_batch_input = jsonata_field(*input, pointer_child(pointer, "BatchInput"),
                                                    "ItemBatcher/BatchInput", states_everywhere);
    }
}

inline void definition_loader::load_result_writer(const json& writer, const std::string& pointer,
                                                  query_language language, map_state& out) {
    if (language == query_language::jsonpath) {
        static constexpr std::string_view allowed[] = {"Resource", "Parameters", "WriterConfig"};
        check_fields(writer, pointer, allowed);
    } else {
        static constexpr std::string_view allowed[] = {"Resource", "Arguments", "WriterConfig"};
        check_fields(writer, pointer, allowed);
    }
    out.writer_parameters = resource_arguments(writer, pointer, language);
    if (language == query_language::jsonata)
        if (const json* arguments = get(writer, "Arguments"))
            out.jsonata_writer_arguments = jsonata_field(*arguments, pointer_child(pointer, "Arguments"),
                                                         "ResultWriter/Arguments", states_everywhere);
    if ((get(writer, "Parameters") || get(writer, "Arguments")) && !get(writer, "Resource"))
        report(pointer, "These fields are required: [Resource]");
    else if (!get(writer, "Resource") && !get(writer, "WriterConfig"))
        report(pointer, "'ResultWriter' needs 'Resource' or 'WriterConfig'");
    const json* config = get(writer, "WriterConfig");
    if (!config) return;
    std::string at = pointer_child(pointer, "WriterConfig");
    if (!expect_object(*config, at, "WriterConfig")) return;
    static constexpr std::string_view allowed[] = {"Transformation", "OutputType"};
    check_fields(*config, at, allowed);
    enum_field(*config, at, "Transformation", {"NONE", "COMPACT", "FLATTEN"});
    enum_field(*config, at, "OutputType", {"JSON", "JSONL"});
}

} // namespace stepfn::detail

#endif
