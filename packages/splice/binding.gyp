{
  "targets": [
    {
      "target_name": "splice",
      "sources": ["src/splice.c", "src/front.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
