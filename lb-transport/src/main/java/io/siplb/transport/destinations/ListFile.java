package io.siplb.transport.destinations;

import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The destinations of a {@code dispatcher.list} file ({@code siplb.destinations.file}, or the table's copy). */
public record ListFile(Path file) implements DestinationSource {

    @Override
    public Read read() {
        List<DestinationListException> faults = new ArrayList<>();
        List<DestinationDefinition> definitions = DestinationListParser.read(file, faults);
        boolean unreadable = faults.size() == 1 && faults.get(0).line() == 0;
        return new Read(definitions, faults.stream().map(DestinationListException::getMessage).toList(), unreadable);
    }

    @Override
    public String describe() {
        return file.toString();
    }
}
