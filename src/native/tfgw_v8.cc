// The V8 calls the session needs that neither Node nor N-API offers:
// - a "low memory" collection. Unlike the gc() that --expose-gc gives, it also
//   shrinks the young generation back to its initial size and releases the pages
//   V8 keeps pooled for reuse, which is what an idle session should hand back;
// - setting a V8 flag at run time (session/tier-up.ts) without loading Node's
//   `v8` module, which costs every session process about 0.4 MB of memory.
#include <v8.h>

#include <cstddef>

extern "C" int tfgw_low_memory_notification(void) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return 0;
  isolate->LowMemoryNotification();
  return 1;
}

extern "C" void tfgw_set_v8_flags(const char *flags, size_t length) {
  v8::V8::SetFlagsFromString(flags, length);
}
