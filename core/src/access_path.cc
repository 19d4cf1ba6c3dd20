/*
 * The reflection of AccessStep and AccessPath (access_path.h): their fields
 * and the methods tvm_ffi_hpy.access_path calls (apache tvm-ffi's names).
 */
#include <tvm_ffi_hpy/ffi.h>

namespace tvm_ffi_hpy {
namespace {

using PathPtr = ObjectPtr<AccessPathObj>;

AccessPath Ref(PathPtr p) { return AccessPath(std::move(p)); }

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::ObjectDef<AccessStepObj>("One step of an access path: its kind and key.")
      .def_ro("kind", &AccessStepObj::kind, "an AccessKind")
      .def_ro("key", &AccessStepObj::key, "the attribute name, index or map key");
  refl::ObjectDef<AccessPathObj>("A path from a root value to a value inside it.")
      .def_ro("parent", &AccessPathObj::parent, "the path one step shorter (None at the root)")
      .def_ro("step", &AccessPathObj::step, "the last step (None at the root)")
      .def_ro("depth", &AccessPathObj::depth, "the number of steps")
      .def_static("_root", []() { return AccessPath::Root(); })
      .def("_extend", [](PathPtr self, AccessStep step) { return Ref(self).Extend(step); })
      .def("_attr", [](PathPtr self, String name) { return Ref(self).Attr(name); })
      .def("_array_item", [](PathPtr self, int64_t i) { return Ref(self).ArrayItem(i); })
      .def("_map_item", [](PathPtr self, Any key) { return Ref(self).MapItem(key); })
      .def("_attr_missing", [](PathPtr self, String name) { return Ref(self).AttrMissing(name); })
      .def("_array_item_missing",
           [](PathPtr self, int64_t i) { return Ref(self).ArrayItemMissing(i); })
      .def("_map_item_missing", [](PathPtr self, Any key) { return Ref(self).MapItemMissing(key); })
      .def("_is_prefix_of",
           [](PathPtr self, AccessPath other) { return Ref(self).IsPrefixOf(other); })
      .def("_path_equal", [](PathPtr self, AccessPath other) { return Ref(self).PathEqual(other); })
      .def("_to_steps", [](PathPtr self) {
        std::vector<AccessStep> steps = Ref(self).ToSteps();
        return Array(steps.begin(), steps.end());
      });
}

}  // namespace tvm_ffi_hpy
