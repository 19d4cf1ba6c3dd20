/*
 * serialization.cc -- values and object graphs as JSON graph text, apache
 * tvm-ffi's format (global functions ffi.ToJSONGraphString and
 * ffi.FromJSONGraphString; Python: tvm_ffi_hpy.serialization).
 *
 *   {"root_index": R, "nodes": [NODE, ...], "metadata": {...}}   (metadata optional)
 *
 * A NODE is {"type": T} or {"type": T, "data": D}.  Children come before
 * their parents (post-order), so reading the nodes in order makes every
 * child before its first use, and R is the value itself.  Each distinct
 * object gets one node (an object reached twice stays one object after the
 * round trip), and so does each distinct plain value (equal ints, strings,
 * ... share a node).  A graph with a cycle cannot be written this way and is
 * refused.
 *
 *   T                     D
 *   None                  (none)
 *   bool, int, float      the JSON value (floats may be NaN, Infinity, -Infinity)
 *   ffi.String            the text
 *   ffi.Bytes             the bytes in base64
 *   DataType              its name, "float32"
 *   Device                [device_type, device_id]
 *   ffi.Shape             [dim, ...]
 *   ffi.Array, ffi.List   [node of item, ...]
 *   ffi.Map, ffi.Dict     [node of key, node of value, ...]
 *   an enum type          the variant's int index (IntEnum) or string index
 *                         (the others); read back as the same singleton
 *   any other type key    {field name: node of value, ...}, except that the
 *                         value of a field declared bool, int or float is
 *                         written in place of its node
 *
 * Objects are made back through their type's reflection creator (a
 * default-constructible C++ type registered with refl::ObjectDef), or as a
 * class defined from Python with every field None, then each field in D is
 * set; a field D leaves out keeps its default, and one without
 * a default is an error.
 */
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "enum_internal.h"
#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

/* ---------------------------------------------------------------------- */
/* A small JSON tree and its reader                                        */
/* ---------------------------------------------------------------------- */
struct Json {
  enum Kind { kNull, kBool, kInt, kFloat, kString, kArray, kObject } kind = kNull;
  union {  // by kind: kBool b, kInt i, kFloat d
    int64_t i = 0;
    bool b;
    double d;
  };
  std::string s;
  std::vector<Json> items;                             // kArray
  std::vector<std::pair<std::string, Json>> members;  // kObject, in order

  const Json* Find(std::string_view key) const {
    for (const auto& m : members) {
      if (m.first == key) return &m.second;
    }
    return nullptr;
  }
};

[[noreturn]] void BadJson(const std::string& what) {
  TVM_FFI_HPY_THROW(ValueError) << "invalid JSON graph: " << what;
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  Json ReadDocument() {
    Json value = Read(0);
    SkipSpace();
    if (pos_ != text_.size()) Fail("text after the JSON value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 512;

  [[noreturn]] void Fail(const char* what) {
    BadJson(std::string(what) + " at offset " + std::to_string(pos_));
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' ||
            text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  Json Read(int depth) {
    if (depth > kMaxDepth) Fail("nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) Fail("unexpected end");
    Json v;
    char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      v.kind = Json::kObject;
      v.members.reserve(2);  // a graph node's two members ("type", "data") in one allocation
      SkipSpace();
      if (Consume("}")) return v;
      while (true) {
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != '"') Fail("expected a member name");
        std::string key = ReadString();
        SkipSpace();
        if (!Consume(":")) Fail("expected ':'");
        v.members.emplace_back(std::move(key), Read(depth + 1));
        SkipSpace();
        if (Consume("}")) return v;
        if (!Consume(",")) Fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++pos_;
      v.kind = Json::kArray;
      SkipSpace();
      if (Consume("]")) return v;
      v.items.reserve(8);  // skips the 1-2-4 growth steps of a short list
      while (true) {
        v.items.push_back(Read(depth + 1));
        SkipSpace();
        if (Consume("]")) return v;
        if (!Consume(",")) Fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind = Json::kString;
      v.s = ReadString();
      return v;
    }
    switch (c) {  // one comparison per value, not one per literal tried
      case 'n':
        if (Consume("null")) return v;
        break;
      case 't':
        if (!Consume("true")) break;
        v.kind = Json::kBool;
        v.b = true;
        return v;
      case 'f':
        if (!Consume("false")) break;
        v.kind = Json::kBool;
        return v;
      case 'N':
        if (!Consume("NaN")) break;
        v.kind = Json::kFloat;
        v.d = std::nan("");
        return v;
      case 'I':
      case '-':
        if (!Consume(c == 'I' ? "Infinity" : "-Infinity")) break;
        v.kind = Json::kFloat;
        v.d = c == 'I' ? HUGE_VAL : -HUGE_VAL;
        return v;
      default: break;
    }
    return ReadNumber();
  }
  Json ReadNumber() {
    size_t start = pos_;
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integral = false;
        ++pos_;
      } else {
        break;
      }
    }
    std::string_view number = text_.substr(start, pos_ - start);
    if (number.empty() || number == "-") Fail("unexpected character");
    Json v;
    const char* first = number.data();
    const char* last = first + number.size();
    if (integral) {
      int64_t i = 0;
      std::from_chars_result r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) {
        v.kind = Json::kInt;
        v.i = i;
        return v;
      }  // out of int64's range: read as a float below
    }
    v.kind = Json::kFloat;
    std::from_chars_result r = std::from_chars(first, last, v.d);
    if (r.ptr != last || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
      Fail("malformed number");
    }
    if (r.ec == std::errc::result_out_of_range) {  // strtod's answer: +-inf or 0
      v.d = std::strtod(std::string(number).c_str(), nullptr);
    }
    return v;
  }
  unsigned ReadHex4() {
    if (pos_ + 4 > text_.size()) Fail("short \\u escape");
    unsigned code = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9') code |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') code |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') code |= unsigned(c - 'A' + 10);
      else Fail("bad \\u escape");
    }
    return code;
  }
  static void AppendUtf8(std::string* out, unsigned cp) {
    if (cp < 0x80) {
      *out += char(cp);
    } else if (cp < 0x800) {
      *out += char(0xC0 | (cp >> 6));
      *out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += char(0xE0 | (cp >> 12));
      *out += char(0x80 | ((cp >> 6) & 0x3F));
      *out += char(0x80 | (cp & 0x3F));
    } else {
      *out += char(0xF0 | (cp >> 18));
      *out += char(0x80 | ((cp >> 12) & 0x3F));
      *out += char(0x80 | ((cp >> 6) & 0x3F));
      *out += char(0x80 | (cp & 0x3F));
    }
  }
  std::string ReadString() {
    ++pos_;  // the opening quote
    std::string out;
    while (true) {
      size_t run = pos_;
      while (run < text_.size() && text_[run] != '"' && text_[run] != '\\') ++run;
      out.append(text_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= text_.size()) Fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"') return out;
      if (pos_ >= text_.size()) Fail("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = ReadHex4();
          if (cp >= 0xD800 && cp < 0xDC00 && Consume("\\u")) {
            unsigned low = ReadHex4();
            if (low < 0xDC00 || low >= 0xE000) Fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(&out, cp);
          break;
        }
        default: Fail("bad escape");
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

/* ---------------------------------------------------------------------- */
/* Making objects by reflection                                            */
/* ---------------------------------------------------------------------- */
/* A new object of the type with its defaults applied: the type's reflection
 * creator, or, for a class defined from Python, an instance with every field
 * None (py_class.cc).  Null when the type has neither. */
bool CanMake(const TVMFFITypeInfo* info) {
  return (info->metadata != nullptr && info->metadata->creator != nullptr) ||
         IsPyClassType(info->type_index);
}

ObjectPtr<Object> MakeWithDefaults(const TVMFFITypeInfo* info) {
  if (info->metadata != nullptr && info->metadata->creator != nullptr) {
    TVMFFIObjectHandle handle = nullptr;
    if (info->metadata->creator(&handle) != 0) details::ThrowRaised();
    return ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(handle));
  }
  return NewPyClassInstance(info->type_index);
}

/* ---------------------------------------------------------------------- */
/* Base64 (ffi.Bytes nodes)                                                */
/* ---------------------------------------------------------------------- */
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 |
                 uint8_t(in[i + 2]);
    out += kBase64[n >> 18];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) n |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += kBase64[n >> 18];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string Base64Decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::strchr(kBase64, c);
    if (c == '\0' || p == nullptr) BadJson("bad base64 in an ffi.Bytes node");
    acc = acc << 6 | uint32_t(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  return out;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                 */
/* ---------------------------------------------------------------------- */
void AppendJsonNumber(std::string* out, double d) {
  if (std::isnan(d)) {
    *out += "NaN";
  } else if (std::isinf(d)) {
    *out += d > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", d);
    *out += buf;
    if (std::strpbrk(buf, ".eE") == nullptr) *out += ".0";  // stays a float
  }
}

bool IsPodFieldIndex(int32_t index) {
  return index == kTVMFFIBool || index == kTVMFFIInt || index == kTVMFFIFloat;
}

/* A bool, int or float value as JSON (IsPodFieldIndex). */
std::string PodJson(const TVMFFIAny& raw) {
  if (raw.type_index == kTVMFFIBool) return raw.v_int64 ? "true" : "false";
  if (raw.type_index == kTVMFFIInt) return std::to_string(raw.v_int64);
  std::string out;
  AppendJsonNumber(&out, raw.v_float64);
  return out;
}

class GraphWriter {
 public:
  /* The node index of `value`, writing it (and its children) first. */
  int64_t Node(const AnyView& value) {
    const TVMFFIAny& raw = value.raw();
    std::string key = DedupKey(raw);
    auto it = seen_.find(key);
    if (it != seen_.end()) {
      if (it->second < 0) {
        TVM_FFI_HPY_THROW(ValueError) << "cannot serialize a graph with a cycle (through `"
                                      << value.type_name() << "`)";
      }
      return it->second;
    }
    seen_[key] = -1;  // in progress
    WalkDepthGuard depth(&depth_);  // Data() recurses into the children
    std::string node = "{\"type\":" + details::JsonQuote(TypeName(raw));
    std::string data = Data(value);
    if (!data.empty()) node += ",\"data\":" + data;
    node += "}";
    int64_t index = int64_t(nodes_.size());
    nodes_.push_back(std::move(node));
    seen_[key] = index;
    return index;
  }

  std::string Finish(int64_t root, const std::string& metadata) {
    std::string out = "{\"root_index\":" + std::to_string(root) + ",\"nodes\":[";
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (i) out += ",";
      out += nodes_[i];
    }
    out += "]";
    if (!metadata.empty()) out += ",\"metadata\":" + metadata;
    return out + "}";
  }

 private:
  static std::string DedupKey(const TVMFFIAny& raw) {
    std::string_view content;
    if (details::GetByteContent(&raw, &content)) {
      return (details::IsStrIndex(raw.type_index) ? "s" : "b") + std::string(content);
    }
    char buf[48];
    std::snprintf(buf, sizeof(buf), "v%d:%llx", int(raw.type_index),
                  static_cast<unsigned long long>(raw.v_uint64));
    return buf;
  }

  static std::string TypeName(const TVMFFIAny& raw) {
    switch (raw.type_index) {
      case kTVMFFINone: return "None";
      case kTVMFFIBool: return "bool";
      case kTVMFFIInt: return "int";
      case kTVMFFIFloat: return "float";
      case kTVMFFIDataType: return "DataType";
      case kTVMFFIDevice: return "Device";
      default: break;
    }
    if (details::IsStrIndex(raw.type_index)) return "ffi.String";
    if (details::IsBytesIndex(raw.type_index)) return "ffi.Bytes";
    if (!details::IsObjectIndex(raw.type_index)) {
      TVM_FFI_HPY_THROW(TypeError) << "cannot serialize a value of type `"
                                   << details::TypeIndexName(raw.type_index) << "`";
    }
    return details::TypeIndexName(raw.type_index);
  }

  template <typename Entries>
  std::string Pairs(const Entries& entries) {
    std::string out = "[";
    bool first = true;
    for (const auto& entry : entries) {
      if (!first) out += ",";
      first = false;
      out += std::to_string(Node(entry.first)) + "," + std::to_string(Node(entry.second));
    }
    return out + "]";
  }

  std::string IndexList(const Any* begin, const Any* end) {
    std::string out = "[";
    for (const Any* it = begin; it != end; ++it) {
      if (it != begin) out += ",";
      out += std::to_string(Node(*it));
    }
    return out + "]";
  }

  std::string Data(const AnyView& value) {
    const TVMFFIAny& raw = value.raw();
    std::string_view content;
    if (raw.type_index == kTVMFFINone) return "";
    if (IsPodFieldIndex(raw.type_index)) return PodJson(raw);
    switch (raw.type_index) {
      case kTVMFFIDataType: return details::JsonQuote(DataTypeToString(raw.v_dtype));
      case kTVMFFIDevice:
        return "[" + std::to_string(int(raw.v_device.device_type)) + "," +
               std::to_string(raw.v_device.device_id) + "]";
      default: break;
    }
    if (details::GetByteContent(&raw, &content)) {
      return details::JsonQuote(details::IsStrIndex(raw.type_index) ? std::string(content)
                                                                    : Base64Encode(content));
    }
    const Object* obj = value.object();
    switch (raw.type_index) {
      case kTVMFFIShape: {
        const TVMFFIShapeCell* cell = TVMFFIShapeGetCellPtr(raw.v_obj);
        std::string out = "[";
        for (size_t i = 0; i < cell->size; ++i) {
          if (i) out += ",";
          out += std::to_string(cell->data[i]);
        }
        return out + "]";
      }
      case kTVMFFIArray: {
        const ArrayObj* arr = static_cast<const ArrayObj*>(obj);
        return IndexList(arr->begin(), arr->end());
      }
      case kTVMFFIList: {
        // A snapshot: the walk holds the items while it writes them.
        std::vector<Any> items(static_cast<const ListObj*>(obj)->begin(),
                               static_cast<const ListObj*>(obj)->end());
        return IndexList(items.data(), items.data() + items.size());
      }
      case kTVMFFIMap:
        return Pairs(*static_cast<const MapObj*>(obj));
      case kTVMFFIDict: {
        std::vector<std::pair<Any, Any>> entries;
        for (const auto& entry : *static_cast<const DictObj*>(obj)) {
          entries.emplace_back(entry.first, entry.second);
        }
        return Pairs(entries);
      }
      default: break;
    }
    return ObjectData(raw);
  }

  std::string ObjectData(const TVMFFIAny& raw) {
    int32_t enum_kind = EnumKindOf(raw.type_index);
    if (enum_kind >= 0) {  // a variant: its index; reading makes back the singleton
      const TVMFFIAny* slots = SlotValues(details::ObjectUnsafe::FromHeader(raw.v_obj));
      return enum_kind == 1 ? std::to_string(slots[0].v_int64)
                            : Data(AnyView::FromRaw(slots[1]));
    }
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(raw.type_index);
    if (info == nullptr || !CanMake(info)) {
      TVM_FFI_HPY_THROW(TypeError) << "Type `" << details::TypeIndexName(raw.type_index)
                                   << "` cannot be serialized: it cannot be made back by "
                                      "reflection (no creator: a default-constructible type "
                                      "registered with refl::ObjectDef, or a class defined "
                                      "from Python)";
    }
    std::string out = "{";
    bool first = true;
    char* base = reinterpret_cast<char*>(raw.v_obj);
    for (const TVMFFIFieldInfo* f : AllFields(info)) {
      TVMFFIAny owned;
      if (f->getter(base + f->offset, &owned) != 0) details::ThrowRaised();
      Any field = Any::FromRawOwned(owned);
      if (!first) out += ",";
      first = false;
      out += details::JsonQuote(details::ToStringView(f->name)) + ":";
      if (IsPodFieldIndex(f->field_static_type_index) &&
          IsPodFieldIndex(field.type_index())) {
        out += Data(field);
      } else {
        out += std::to_string(Node(field));
      }
    }
    return out + "}";
  }

  std::unordered_map<std::string, int64_t> seen_;  // dedup key -> node (-1 while open)
  int depth_ = 0;
  std::vector<std::string> nodes_;
};

/* Plain JSON for the metadata member: a Map of str keys; values plain. */
std::string PlainJson(const AnyView& v, int depth) {
  if (depth > 64) TVM_FFI_HPY_THROW(ValueError) << "metadata nests too deeply";
  const TVMFFIAny& raw = v.raw();
  std::string_view content;
  if (raw.type_index == kTVMFFINone) return "null";
  if (IsPodFieldIndex(raw.type_index)) return PodJson(raw);
  if (details::IsStrIndex(raw.type_index) && details::GetByteContent(&raw, &content)) {
    return details::JsonQuote(content);
  }
  if (raw.type_index == kTVMFFIArray) {
    std::string out = "[";
    const ArrayObj* arr = static_cast<const ArrayObj*>(v.object());
    for (const Any* it = arr->begin(); it != arr->end(); ++it) {
      if (it != arr->begin()) out += ",";
      out += PlainJson(*it, depth + 1);
    }
    return out + "]";
  }
  if (raw.type_index == kTVMFFIMap) {
    std::string out = "{";
    bool first = true;
    for (const auto& entry : *static_cast<const MapObj*>(v.object())) {
      std::optional<String> key = entry.first.as<String>();
      if (!key) TVM_FFI_HPY_THROW(TypeError) << "metadata keys must be str";
      if (!first) out += ",";
      first = false;
      out += details::JsonQuote(key->view()) + ":" + PlainJson(entry.second, depth + 1);
    }
    return out + "}";
  }
  TVM_FFI_HPY_THROW(TypeError) << "metadata values must be None, bool, int, float, str, or "
                                  "lists and dicts of them; got `"
                               << v.type_name() << "`";
}

std::string ToJSONGraphString(const AnyView& value, const AnyView& metadata) {
  GraphWriter writer;
  int64_t root = writer.Node(value);
  std::string meta;
  if (!metadata.is_none()) {
    if (metadata.type_index() != kTVMFFIMap) {
      TVM_FFI_HPY_THROW(TypeError) << "metadata must be a dict, got `" << metadata.type_name()
                                   << "`";
    }
    meta = PlainJson(metadata, 0);
  }
  return writer.Finish(root, meta);
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                 */
/* ---------------------------------------------------------------------- */
class GraphReader {
 public:
  explicit GraphReader(const Json& doc) {
    if (doc.kind != Json::kObject) BadJson("the document is not a JSON object");
    const Json* root = doc.Find("root_index");
    const Json* nodes = doc.Find("nodes");
    if (root == nullptr || root->kind != Json::kInt) BadJson("no integer \"root_index\"");
    if (nodes == nullptr || nodes->kind != Json::kArray) BadJson("no \"nodes\" list");
    nodes_ = &nodes->items;
    root_ = root->i;
  }

  Any Run() {
    values_.reserve(nodes_->size());
    for (const Json& node : *nodes_) values_.push_back(Decode(node));
    return At(root_);
  }

 private:
  const Any& At(int64_t index) const {
    if (index < 0 || index >= int64_t(values_.size())) {
      BadJson("node index " + std::to_string(index) + " is not an earlier node");
    }
    return values_[size_t(index)];
  }
  const Any& Ref(const Json& j) const {
    if (j.kind != Json::kInt) BadJson("expected a node index");
    return At(j.i);
  }
  static const Json& DataOf(const Json& node, Json::Kind kind, const std::string& type) {
    const Json* data = node.Find("data");
    bool ok = data != nullptr &&
              (data->kind == kind || (kind == Json::kFloat && data->kind == Json::kInt));
    if (!ok) BadJson("a node of type `" + type + "` has no valid \"data\"");
    return *data;
  }

  Any Decode(const Json& node) {
    if (node.kind != Json::kObject) BadJson("a node is not a JSON object");
    const Json* type_j = node.Find("type");
    if (type_j == nullptr || type_j->kind != Json::kString) BadJson("a node has no \"type\"");
    const std::string& type = type_j->s;
    switch (type.empty() ? '\0' : type[0]) {  // the plain values first, by one character
      case 'i':
        if (type == "int") return Any(DataOf(node, Json::kInt, type).i);
        break;
      case 'f':
        if (type == "float") {
          const Json& d = DataOf(node, Json::kFloat, type);
          return Any(d.kind == Json::kInt ? double(d.i) : d.d);
        }
        break;
      case 'b':
        if (type == "bool") return Any(DataOf(node, Json::kBool, type).b);
        break;
      case 'N':
        if (type == "None") return Any();
        break;
      default: break;
    }
    if (type.compare(0, 4, "ffi.") == 0) return DecodeContainer(node, type);
    return DecodeOther(node, type);
  }

  Any DecodeContainer(const Json& node, const std::string& type) {
    if (type == "ffi.String") return Any(String(DataOf(node, Json::kString, type).s));
    if (type == "ffi.Bytes") {
      return Any(Bytes(Base64Decode(DataOf(node, Json::kString, type).s)));
    }
    if (type == "ffi.Shape") {
      std::vector<int64_t> dims;
      for (const Json& dim : DataOf(node, Json::kArray, type).items) {
        if (dim.kind != Json::kInt) BadJson("a Shape node holds ints only");
        dims.push_back(dim.i);
      }
      return Any(Shape(dims));
    }
    if (type == "ffi.Array") {
      const Json& d = DataOf(node, Json::kArray, type);
      ObjectPtr<ArrayObj> arr = ArrayObj::Empty(int64_t(d.items.size()));
      for (const Json& item : d.items) arr->PushBackUnchecked(Ref(item));
      return Any(Array(std::move(arr)));
    }
    if (type == "ffi.List") {
      List list;
      for (const Json& item : DataOf(node, Json::kArray, type).items) list.push_back(Ref(item));
      return Any(list);
    }
    if (type == "ffi.Map" || type == "ffi.Dict") {
      const Json& d = DataOf(node, Json::kArray, type);
      if (d.items.size() % 2 != 0) BadJson("a " + type.substr(4) + " node needs key/value pairs");
      if (type == "ffi.Dict") {
        Dict dict;
        for (size_t k = 0; k < d.items.size(); k += 2) dict.Set(Ref(d.items[k]), Ref(d.items[k + 1]));
        return Any(dict);
      }
      Map map;
      for (size_t k = 0; k < d.items.size(); k += 2) map.Set(Ref(d.items[k]), Ref(d.items[k + 1]));
      return Any(map);
    }
    return DecodeObject(node, type);  // another "ffi." type: an object
  }

  Any DecodeOther(const Json& node, const std::string& type) {
    if (type == "DataType") return Any(StringToDataType(DataOf(node, Json::kString, type).s));
    if (type == "Device") {
      const Json& d = DataOf(node, Json::kArray, type);
      if (d.items.size() != 2 || d.items[0].kind != Json::kInt || d.items[1].kind != Json::kInt) {
        BadJson("a Device node needs [device_type, device_id]");
      }
      return Any(DLDevice{static_cast<DLDeviceType>(d.items[0].i), int32_t(d.items[1].i)});
    }
    return DecodeObject(node, type);
  }

  Any DecodeObject(const Json& node, const std::string& type) {
    int32_t index = -1;
    TVMFFIByteArray key = details::ToByteArray(type);
    if (TVMFFITypeKeyToIndex(&key, &index) != 0) {
      TVMFFIObjectHandle err = nullptr;
      TVMFFIErrorMoveFromRaised(&err);
      if (err) TVMFFIObjectDecRef(err);
      TVM_FFI_HPY_THROW(TypeError) << "cannot deserialize: unknown type `" << type << "`";
    }
    if (int32_t enum_kind = EnumKindOf(index); enum_kind >= 0) {
      const Json* data = node.Find("data");
      if (data != nullptr && data->kind == Json::kInt && enum_kind == 1) {
        return Any(EnumGet(index, AnyView(data->i)));
      }
      if (data != nullptr && data->kind == Json::kString && enum_kind != 1) {
        return Any(EnumGet(index, AnyView(String(data->s))));
      }
      BadJson("the data of an enum `" + type + "` node is its " +
              (enum_kind == 1 ? "int" : "string") + " index");
    }
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(index);
    if (info == nullptr || !CanMake(info)) {
      TVM_FFI_HPY_THROW(TypeError) << "Type `" << type
                                   << "` cannot be deserialized: it has no reflection creator";
    }
    const Json* data = node.Find("data");
    if (data != nullptr && data->kind != Json::kObject) {
      BadJson("the data of a `" + type + "` node is not a JSON object");
    }
    ObjectPtr<Object> obj = MakeWithDefaults(info);
    char* base = reinterpret_cast<char*>(obj.get());
    for (const TVMFFIFieldInfo* f : AllFields(info)) {
      std::string_view name = details::ToStringView(f->name);
      const Json* given = data ? data->Find(name) : nullptr;
      if (given == nullptr) {
        if (!(f->flags & kTVMFFIFieldFlagBitMaskHasDefault)) {
          TVM_FFI_HPY_THROW(TypeError) << "Required field `" << name << "` not set in type `"
                                       << type << "`";
        }
        continue;  // the creator applied the default
      }
      Any value;
      if (IsPodFieldIndex(f->field_static_type_index) && given->kind != Json::kInt) {
        if (given->kind == Json::kBool) value = Any(given->b);
        else if (given->kind == Json::kFloat) value = Any(given->d);
        else BadJson("field `" + std::string(name) + "` of `" + type + "` has a bad value");
      } else if (IsPodFieldIndex(f->field_static_type_index)) {
        value = f->field_static_type_index == kTVMFFIFloat ? Any(double(given->i))
                                                            : Any(given->i);
        if (f->field_static_type_index == kTVMFFIBool) value = Any(given->i != 0);
      } else {
        value = Ref(*given);
      }
      if (f->setter(base + f->offset, &value.raw()) != 0) details::ThrowRaised();
    }
    return Any(ObjectRef(std::move(obj)));
  }

  const std::vector<Json>* nodes_ = nullptr;
  int64_t root_ = 0;
  std::vector<Any> values_;
};

Any FromJSONGraphString(const std::string& text) {
  Json doc = JsonReader(text).ReadDocument();
  return GraphReader(doc).Run();
}

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::GlobalDef()
      .def("ffi.ToJSONGraphString",
           [](AnyView value, AnyView metadata) { return ToJSONGraphString(value, metadata); })
      .def("ffi.FromJSONGraphString", &FromJSONGraphString);
}

}  // namespace tvm_ffi_hpy
