{
  "targets": [
    {
      "target_name": "tfgw_native",
      "sources": ["src/native/tfgw_native.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
