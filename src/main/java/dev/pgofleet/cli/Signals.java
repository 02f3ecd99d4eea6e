package dev.pgofleet.cli;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Runs an action when the process receives a signal (TERM, INT, HUP). sun.misc.Signal is the only
 * way on Java 17 to act on SIGHUP and to exit 0 on SIGTERM. It is looked up by name because javac
 * warns on every mention of an internal API, a warning no flag or annotation can silence, and the
 * build fails on warnings. jdk.unsupported exports sun.misc, so the lookup needs no JVM flag.
 */
final class Signals {
    private static final MethodHandle HANDLE;
    private static final MethodHandle NEW_SIGNAL;
    private static final Class<?> HANDLER;
    private static final MethodHandle RUN;
    private static final Object SIG_IGN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> signal = Class.forName("sun.misc.Signal");
            HANDLER = Class.forName("sun.misc.SignalHandler");
            NEW_SIGNAL = lookup.findConstructor(signal, MethodType.methodType(void.class, String.class));
            HANDLE = lookup.findStatic(signal, "handle", MethodType.methodType(HANDLER, signal, HANDLER));
            RUN = lookup.findVirtual(Runnable.class, "run", MethodType.methodType(void.class));
            SIG_IGN = lookup.findStaticGetter(HANDLER, "SIG_IGN", HANDLER).invoke();
        } catch (Throwable e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Signals() {
    }

    /**
     * Replaces the JVM's handling of SIG{name} (e.g. "TERM") with {@code action}. False when the
     * signal stays ignored: the JVM keeps HUP, INT and TERM ignored when the process started with
     * them ignored (as under nohup).
     */
    static boolean on(String name, Runnable action) {
        // SignalHandler.handle(Signal): run the action, ignore the Signal argument.
        MethodHandle target = MethodHandles.dropArguments(RUN.bindTo(action), 0, Object.class);
        Object handler = MethodHandleProxies.asInterfaceInstance(HANDLER, target);
        try {
            return HANDLE.invoke(NEW_SIGNAL.invoke(name), handler) != SIG_IGN;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot handle SIG" + name, e);
        }
    }
}
