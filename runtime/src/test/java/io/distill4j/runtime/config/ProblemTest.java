package io.distill4j.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.spi.OptionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A problem keeps its file, line and setting apart, so a tool can point at them; messages render them joined. */
class ProblemTest {
    @Test
    void aProblemCarriesItsFileLineAndPath(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("exp.conf"), "train {\n  data {\n    channels = 9\n    colour = red\n  }\n}\n");
        Config data = ConfigFactory.parseFile(file.toFile()).getConfig("train.data");
        List<Problem> problems = new ArrayList<>();
        OptionsResolver.resolve("train.data", "train.data",
                List.of(OptionSpec.ofInt("channels", 1, "image channels").atLeast(1).atMost(3)), data, Set.of(),
                ConfigFactory.empty(), problems);
        assertEquals(2, problems.size(), problems.toString());
        Problem unknown = problems.get(0);
        assertEquals(new Origin(file.toString(), 4, null), unknown.origin());
        assertEquals("train.data.colour", unknown.path());
        Problem range = problems.get(1);
        assertEquals(file.toString(), range.origin().file());
        assertEquals(3, range.origin().line());
        assertEquals("train.data.channels", range.path());
        assertEquals(file + ":3: " + range.message(), range.toString());
    }

    @Test
    void aPlaceThatIsNotAFileLineIsNamed() {
        Problem p = Problem.at("plugins/x.jar", "corrupt jar");
        assertNull(p.origin().file());
        assertNull(p.path());
        assertEquals("plugins/x.jar: corrupt jar", p.toString());
    }
}
