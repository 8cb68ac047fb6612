package io.distill4j.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.SpiVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plugins on the application class path and in a plugins directory.
 *
 * <p>In the plugins directory each {@code *.jar} is one plugin, and each sub-folder is one plugin
 * made of all the jars in it (a plugin with its private dependencies). Each gets its own
 * {@link PluginClassLoader}. A plugin's descriptor is read, and its SPI version checked, before any
 * of its classes is loaded. A plugin that fails is reported as a {@link PluginLoadException} naming
 * its jar, and the others still load.
 */
public final class PluginLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);
    private static final String REFERENCE_CONF = "reference.conf";

    private final ClassLoader host;
    private final SpiVersion hostVersion;

    /** A loader for the host's class path and SPI version. */
    public PluginLoader() {
        this(PluginLoader.class.getClassLoader(), SpiVersion.current());
    }

    /**
     * @param host the class loader of the application (its class path is scanned, and it provides the shared packages)
     * @param hostVersion the SPI version the host provides
     */
    public PluginLoader(ClassLoader host, SpiVersion hostVersion) {
        this.host = host;
        this.hostVersion = hostVersion;
    }

    /**
     * Loads the class-path plugins, then those of {@code pluginsDir} in name order.
     *
     * @param pluginsDir the drop-in folder, or null for the class path only; a missing folder counts as empty
     * @return what loaded and what failed
     */
    public PluginSet load(Path pluginsDir) {
        List<LoadedPlugin> plugins = new ArrayList<>();
        List<PluginLoadException> problems = new ArrayList<>();
        loadClassPath(plugins, problems);
        if (pluginsDir != null && Files.exists(pluginsDir) && !Files.isDirectory(pluginsDir)) {
            problems.add(new PluginLoadException(pluginsDir.toString(), "the plugins folder is a file; no drop-in plugin is loaded"));
        }
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            java.util.Map<String, String> byName = new java.util.HashMap<>();
            plugins.forEach(p -> byName.putIfAbsent(p.descriptor().name(), p.location()));
            for (Path entry : entries(pluginsDir)) {
                try {
                    loadDropIn(entry).ifPresent(p -> {
                        String first = byName.putIfAbsent(p.descriptor().name(), p.location());
                        if (first != null) {
                            if (p.classLoader() instanceof PluginClassLoader l) {
                                closeQuietly(l);
                            }
                            throw new PluginLoadException(p.location(), "plugin '" + p.descriptor().name() + "' is already"
                                    + " loaded from " + first + "; two jars of one plugin (say two versions) are refused,"
                                    + " keep one");
                        }
                        plugins.add(p);
                    });
                } catch (PluginLoadException e) {
                    problems.add(e);
                }
            }
        }
        return new PluginSet(plugins, problems);
    }

    // ---- class path -------------------------------------------------------------------------

    /** Class-path providers, grouped by the jar (or classes folder) they come from. */
    private void loadClassPath(List<LoadedPlugin> plugins, List<PluginLoadException> problems) {
        Map<String, List<DistillLossFactory>> losses = new LinkedHashMap<>();
        Map<String, List<FeatureAdapterFactory>> adapters = new LinkedHashMap<>();
        Map<String, URL> codeSources = new LinkedHashMap<>();
        for (DistillLossFactory f : providers(DistillLossFactory.class, host, "class path", problems)) {
            String loc = location(f.getClass(), codeSources);
            losses.computeIfAbsent(loc, k -> new ArrayList<>()).add(f);
        }
        for (FeatureAdapterFactory f : providers(FeatureAdapterFactory.class, host, "class path", problems)) {
            String loc = location(f.getClass(), codeSources);
            adapters.computeIfAbsent(loc, k -> new ArrayList<>()).add(f);
        }
        for (Map.Entry<String, URL> e : codeSources.entrySet()) {
            String loc = e.getKey();
            try {
                URL base = e.getValue();
                PluginDescriptor descriptor = readDescriptor(base, loc);
                checkSpiVersion(descriptor, loc);
                Config reference = parseReference(resourceUrl(base, REFERENCE_CONF), loc);
                plugins.add(new LoadedPlugin(loc, descriptor, host, reference,
                        losses.getOrDefault(loc, List.of()), adapters.getOrDefault(loc, List.of())));
            } catch (PluginLoadException ex) {
                problems.add(ex);
            }
        }
    }

    private static String location(Class<?> type, Map<String, URL> codeSources) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        String loc = url == null ? "class path (" + type.getName() + ")" : url.getPath();
        codeSources.putIfAbsent(loc, url);
        return loc;
    }

    private PluginDescriptor readDescriptor(URL base, String loc) {
        if (base == null) {
            throw new PluginLoadException(loc, "no code source, so no descriptor " + PluginDescriptor.PATH);
        }
        URL url = resourceUrl(base, PluginDescriptor.PATH);
        try (InputStream in = url.openStream()) {
            return PluginDescriptor.read(in, loc);
        } catch (IOException e) {
            throw new PluginLoadException(loc, "no descriptor " + PluginDescriptor.PATH
                    + " (every plugin jar names its name, version and spi-version there)");
        }
    }

    /** A resource inside a class-path entry: a folder URL, or a jar file URL. */
    private static URL resourceUrl(URL base, String path) {
        try {
            String s = base.toString();
            return s.endsWith("/") ? new URL(base, path) : new URL("jar:" + s + "!/" + path);
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- plugins directory ------------------------------------------------------------------

    private static List<Path> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isDirectory(p) || p.getFileName().toString().endsWith(".jar"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plugins directory " + dir, e);
        }
    }

    private java.util.Optional<LoadedPlugin> loadDropIn(Path entry) {
        String loc = entry.toString();
        List<Path> jars = Files.isDirectory(entry) ? jarsIn(entry) : List.of(entry);
        if (jars.isEmpty()) {
            LOG.debug("{}: folder without jars, skipped", loc);
            return java.util.Optional.empty();
        }
        PluginDescriptor descriptor = null;
        for (Path jar : jars) {
            PluginDescriptor d = descriptorInJar(jar, loc);
            if (d != null) {
                if (descriptor != null) {
                    throw new PluginLoadException(loc, "more than one jar carries " + PluginDescriptor.PATH);
                }
                descriptor = d;
            }
        }
        if (descriptor == null) {
            throw new PluginLoadException(loc, "no descriptor " + PluginDescriptor.PATH
                    + " (every plugin jar names its name, version and spi-version there)");
        }
        checkSpiVersion(descriptor, loc);

        URL[] urls = jars.stream().map(PluginLoader::toUrl).toArray(URL[]::new);
        PluginClassLoader loader = new PluginClassLoader(descriptor.name(), urls, host);
        List<PluginLoadException> providerProblems = new ArrayList<>();
        List<DistillLossFactory> losses = providers(DistillLossFactory.class, loader, loc, providerProblems);
        List<FeatureAdapterFactory> adapters = providers(FeatureAdapterFactory.class, loader, loc, providerProblems);
        if (!providerProblems.isEmpty()) {
            closeQuietly(loader);
            throw providerProblems.get(0);
        }
        if (losses.isEmpty() && adapters.isEmpty()) {
            closeQuietly(loader);
            throw new PluginLoadException(loc, "no providers: the jar lists no class in META-INF/services/"
                    + DistillLossFactory.class.getName() + " or META-INF/services/"
                    + FeatureAdapterFactory.class.getName());
        }
        Config reference = parseReference(loader.findResource(REFERENCE_CONF), loc);
        return java.util.Optional.of(new LoadedPlugin(loc, descriptor, loader, reference, losses, adapters));
    }

    private static List<Path> jarsIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new PluginLoadException(dir.toString(), "cannot list folder: " + e.getMessage());
        }
    }

    private static PluginDescriptor descriptorInJar(Path jar, String loc) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.getEntry(PluginDescriptor.PATH);
            if (entry == null) {
                return null;
            }
            try (InputStream in = zip.getInputStream(entry)) {
                return PluginDescriptor.read(in, loc);
            }
        } catch (ZipException e) {
            throw new PluginLoadException(loc, "corrupt jar " + jar.getFileName() + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new PluginLoadException(loc, "cannot read jar " + jar.getFileName() + ": " + e.getMessage());
        }
    }

    private static URL toUrl(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- shared -----------------------------------------------------------------------------

    private void checkSpiVersion(PluginDescriptor d, String loc) {
        if (!hostVersion.canHost(d.spiVersion())) {
            throw new PluginLoadException(loc, "plugin '" + d.name() + "' was built against SPI "
                    + d.spiVersion() + ", but this distill4j provides SPI " + hostVersion
                    + " (a plugin needs the same major version and a minor version no newer than the host's)");
        }
    }

    /**
     * Instantiates every provider of a service; a provider whose class is missing a dependency or
     * whose constructor throws becomes a problem naming the location, and the others still load.
     */
    private static <T> List<T> providers(Class<T> service, ClassLoader loader, String loc,
                                         List<PluginLoadException> problems) {
        List<T> found = new ArrayList<>();
        Iterator<ServiceLoader.Provider<T>> it = ServiceLoader.load(service, loader).stream().iterator();
        while (true) {
            ServiceLoader.Provider<T> provider;
            try {
                if (!it.hasNext()) {
                    break;
                }
                provider = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                problems.add(new PluginLoadException(loc, "cannot load a " + service.getSimpleName()
                        + " provider: " + describe(e)));
                continue;
            }
            // On the class path the jar is only known per provider; a plugin loader has one location.
            String where = loader instanceof PluginClassLoader ? loc : location(provider.type(), new LinkedHashMap<>());
            try {
                found.add(ContextClassLoader.call(loader, provider::get));
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                problems.add(new PluginLoadException(where, "provider " + provider.type().getName()
                        + " could not be created: " + describe(e)));
            }
        }
        return found;
    }

    /** The root cause in one line: its type and message, never a stack trace. */
    public static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        if (root instanceof NoClassDefFoundError || root instanceof ClassNotFoundException) {
            return "missing class " + (msg == null ? "?" : msg.replace('/', '.'))
                    + " (is a dependency jar missing from the plugin's folder?)";
        }
        return root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    private static Config parseReference(URL url, String loc) {
        if (url == null) {
            return ConfigFactory.empty();
        }
        try {
            return ConfigFactory.parseURL(url, ConfigParseOptions.defaults().setAllowMissing(true));
        } catch (ConfigException e) {
            throw new PluginLoadException(loc, "malformed reference.conf: " + e.getMessage());
        }
    }

    private static void closeQuietly(PluginClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            LOG.debug("closing plugin loader", e);
        }
    }
}
