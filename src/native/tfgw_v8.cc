// The one V8 call the session needs that neither Node nor N-API offers:
// a "low memory" collection. Unlike the gc() that --expose-gc gives, it also
// shrinks the young generation back to its initial size and releases the pages
// V8 keeps pooled for reuse, which is what an idle session should hand back.
#include <v8.h>

extern "C" int tfgw_low_memory_notification(void) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return 0;
  isolate->LowMemoryNotification();
  return 1;
}
