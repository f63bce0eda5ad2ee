// The one V8 call the session needs that neither Node nor N-API offers:
// a "low memory" collection, which compacts the heap and shrinks the young
// generation back to its initial size. Node only offers a collection through
// --expose-gc, and that flag (like any heap-sizing flag) makes V8 reject the
// code cache Node ships for its own modules, which costs every session process
// more start-up time and memory than the collection gives back.
#include <v8.h>

extern "C" int tfgw_low_memory_notification(void) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return 0;
  isolate->LowMemoryNotification();
  return 1;
}
