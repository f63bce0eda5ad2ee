{
  "targets": [
    {
      "target_name": "tfgw_native",
      "sources": ["src/native/tfgw_native.c", "src/native/spool_files.c", "src/native/record_file.c", "src/native/tfgw_v8.cc"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
