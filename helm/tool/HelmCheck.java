// Lints and renders a chart with helm-java (Helm's own Go code through JNA), so CI needs no helm binary.
// Run by scripts/helm.mjs as a single-file program: java -cp '.infra/helm/lib/*' helm/tool/HelmCheck.java ...
//   lint <chartDir>                                        helm lint --strict; exit 1 on an error or warning
//   template <chartDir> [--values f]... [--name n] [--namespace ns]
//                                                          helm template; the manifests, hooks included, on stdout
//   version                                                the Helm version helm-java embeds
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

public final class HelmCheck {
  public static void main(String[] args) {
    if (args.length == 0) usage("no command");
    try {
      switch (args[0]) {
        case "lint" -> System.exit(lint(chart(args)));
        case "template" -> template(args);
        case "version" -> System.out.println(Helm.version().call());
        default -> usage("unknown command " + args[0]);
      }
    } catch (RuntimeException error) {
      // helm-java reports Helm's own error text (template errors name the file and line) as the message.
      System.err.println("helm " + args[0] + " failed: " + error.getMessage());
      System.exit(1);
    }
  }

  private static Path chart(String[] args) {
    if (args.length < 2) usage(args[0] + " needs a chart directory");
    return Paths.get(args[1]).toAbsolutePath();
  }

  private static int lint(Path chart) {
    LintResult result = new Helm(chart).lint().strict().call();
    result.getMessages().forEach(System.out::println);
    System.out.println(result.isFailed() ? "lint failed: " + chart : "lint passed: " + chart);
    return result.isFailed() ? 1 : 0;
  }

  // helm-java's template leaves out hooks (the `helm` CLI prints them): the chart is rendered from a copy whose
  // hook annotations carry another key, and the output gets the real key back.
  private static final String HOOK_KEY = "helm.sh/hook";
  private static final String HIDDEN_HOOK_KEY = "kiln-check.invalid/hidden-hook";

  private static void template(String[] args) {
    Path copy = copyWithHiddenHooks(chart(args));
    try {
      System.out.print(render(copy, args).replace(HIDDEN_HOOK_KEY, HOOK_KEY));
    } finally {
      deleteTree(copy);
    }
  }

  private static String render(Path chart, String[] args) {
    TemplateCommand command = new Helm(chart).template();
    String name = "kiln";
    for (int i = 2; i < args.length; i += 2) {
      if (i + 1 >= args.length) usage(args[i] + " needs a value");
      String value = args[i + 1];
      switch (args[i]) {
        case "--values" -> command = command.withValuesFile(Paths.get(value).toAbsolutePath());
        case "--name" -> name = value;
        case "--namespace" -> command = command.withNamespace(value);
        default -> usage("unknown option " + args[i]);
      }
    }
    return command.withName(name).call();
  }

  private static Path copyWithHiddenHooks(Path chart) {
    try {
      Path target = Files.createTempDirectory("helm-check-").resolve(chart.getFileName());
      List<Path> sources;
      try (Stream<Path> walk = Files.walk(chart)) {
        sources = walk.toList();
      }
      for (Path source : sources) {
        Path destination = target.resolve(chart.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(destination);
        } else if (chart.relativize(source).startsWith("templates")) {
          String text = Files.readString(source, StandardCharsets.UTF_8);
          Files.writeString(destination, text.replace(HOOK_KEY, HIDDEN_HOOK_KEY), StandardCharsets.UTF_8);
        } else {
          Files.copy(source, destination);
        }
      }
      return target;
    } catch (IOException error) {
      throw new UncheckedIOException("cannot copy the chart " + chart, error);
    }
  }

  private static void deleteTree(Path chartCopy) {
    try (Stream<Path> walk = Files.walk(chartCopy.getParent())) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
    } catch (IOException error) {
      System.err.println("cannot delete " + chartCopy + ": " + error.getMessage());
    }
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println(
        "usage: HelmCheck lint <chartDir> | template <chartDir> [--values file]... [--name n] [--namespace ns]"
            + " | version");
    System.exit(2);
  }
}
