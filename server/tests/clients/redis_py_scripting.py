"""redis-py's scripting API against a server: each step prints one line, `name: repr(result)`,
so the whole output can be compared with the output against redis-server 7.0.15
(`redis_py_scripting.out`). Usage: python3 redis_py_scripting.py PORT [RESP]
"""
import sys

import redis


def main():
    port = int(sys.argv[1])
    protocol = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    r = redis.Redis(port=port, protocol=protocol)
    r.flushall()
    r.script_flush()
    r.function_flush()

    def step(name, thunk):
        try:
            value = thunk()
        except redis.RedisError as e:
            value = "%s: %s" % (type(e).__name__, e)
        print("%s: %r" % (name, value))

    # EVAL / EVALSHA and the script cache.
    step("eval", lambda: r.eval("return {KEYS[1], ARGV[1], 3, 3.9, true, false}", 1, "k", "a"))
    step("eval error", lambda: r.eval("return redis.call('nosuch')", 0))
    step("eval status", lambda: r.eval("return redis.status_reply('FINE')", 0))
    sha = r.script_load("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    step("script_load", lambda: sha)
    step("script_exists", lambda: r.script_exists(sha, "0" * 40))
    step("evalsha", lambda: r.evalsha(sha, 1, "counter", 5))
    step("evalsha_ro", lambda: r.evalsha_ro(sha, 1, "counter", 5))
    step("eval_ro", lambda: r.eval_ro("return redis.call('GET', KEYS[1])", 1, "counter"))
    step("evalsha missing", lambda: r.evalsha("0" * 40, 0))

    # register_script: EVALSHA, falling back to EVAL after SCRIPT FLUSH.
    incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    step("script call", lambda: incr(keys=["c2"], args=[2]))
    step("script_flush", lambda: r.script_flush())
    step("script call after flush", lambda: incr(keys=["c2"], args=[3]))
    pipe = r.pipeline()
    incr(keys=["c3"], args=[1], client=pipe)
    incr(keys=["c3"], args=[1], client=pipe)
    pipe.get("c3")
    step("script in pipeline", lambda: pipe.execute())
    step("script_flush again", lambda: r.script_flush("SYNC"))
    pipe = r.pipeline(transaction=False)
    incr(keys=["c3"], args=[10], client=pipe)
    step("script in pipeline after flush", lambda: pipe.execute())

    # Functions.
    lib = (
        "#!lua name=mylib\n"
        "redis.register_function('add', function(keys, args) "
        "return redis.call('INCRBY', keys[1], args[1]) end)\n"
    )
    # One function per library: Redis lists a library's functions in hash-table order.
    rolib = (
        "#!lua name=rolib\n"
        "redis.register_function{function_name='get', callback=function(keys) "
        "return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads'}\n"
    )
    step("function_load", lambda: r.function_load(lib))
    step("function_load again", lambda: r.function_load(lib))
    step("function_load replace", lambda: r.function_load(lib, replace=True))
    step("function_load rolib", lambda: r.function_load(rolib))
    step("fcall", lambda: r.fcall("add", 1, "f", 7))
    step("fcall_ro", lambda: r.fcall_ro("get", 1, "f"))
    step("fcall_ro write", lambda: r.fcall_ro("add", 1, "f", 1))
    step("function_list", lambda: r.function_list(library="mylib"))
    step("function_list withcode", lambda: r.function_list(library="rolib", withcode=True))
    step("function_delete rolib", lambda: r.function_delete("rolib"))
    dump = r.function_dump()
    step("function_flush", lambda: r.function_flush())
    step("function_restore", lambda: r.function_restore(dump))
    step("fcall after restore", lambda: r.fcall("add", 1, "f", 1))
    step("function_delete", lambda: r.function_delete("mylib"))
    step("fcall deleted", lambda: r.fcall("add", 1, "f", 1))
    step("function_stats", lambda: r.function_stats())


if __name__ == "__main__":
    main()
