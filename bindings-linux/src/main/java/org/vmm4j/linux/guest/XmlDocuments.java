package org.vmm4j.linux.guest;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Building, parsing and printing libvirt's XML documents with the JDK's DOM, so every name and value
 * is escaped by the serializer. Parsing refuses DOCTYPEs and external entities.
 */
final class XmlDocuments {
    private XmlDocuments() {}

    private static DocumentBuilder builder() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
                    throw e; // reported through the exception, not printed to stderr
                }

                @Override
                public void error(org.xml.sax.SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser cannot be configured securely", e);
        }
    }

    /** A new document whose root element is {@code rootName}. */
    static Document create(String rootName) {
        Document document = builder().newDocument();
        document.appendChild(document.createElement(rootName));
        return document;
    }

    static Document parse(String xml) {
        try {
            return builder().parse(new InputSource(new StringReader(xml)));
        } catch (SAXException | java.io.IOException e) {
            throw new IllegalArgumentException("not well-formed XML: " + e.getMessage(), e);
        }
    }

    static String print(Document document) {
        try {
            Transformer transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            transformer.setOutputProperty(OutputKeys.INDENT, "yes");
            transformer.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(document), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot print XML", e);
        }
    }

    /** Appends {@code <name>} to {@code parent}; {@code attributes} are name/value pairs, null values skipped. */
    static Element add(Element parent, String name, String... attributes) {
        Element child = parent.getOwnerDocument().createElement(name);
        for (int i = 0; i + 1 < attributes.length; i += 2) {
            if (attributes[i + 1] != null) {
                child.setAttribute(attributes[i], attributes[i + 1]);
            }
        }
        parent.appendChild(child);
        return child;
    }

    /** Appends {@code <name>text</name>}. */
    static Element addText(Element parent, String name, String text, String... attributes) {
        Element child = add(parent, name, attributes);
        child.setTextContent(text);
        return child;
    }

    /** Direct child elements named {@code name}. */
    static List<Element> children(Element parent, String name) {
        List<Element> result = new ArrayList<>();
        if (parent == null) {
            return result;
        }
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node node = nodes.item(i);
            if (node instanceof Element e && e.getTagName().equals(name)) {
                result.add(e);
            }
        }
        return result;
    }

    /** The first direct child named {@code name}, or {@code null}. */
    static Element child(Element parent, String name) {
        List<Element> all = children(parent, name);
        return all.isEmpty() ? null : all.get(0);
    }

    /** The element at a path of child names, or {@code null}. */
    static Element path(Element from, String... names) {
        Element e = from;
        for (String name : names) {
            e = child(e, name);
            if (e == null) {
                return null;
            }
        }
        return e;
    }

    /** The trimmed text of the child {@code name}, or {@code null}. */
    static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }

    /** An attribute's value, or {@code null} when absent (DOM returns ""). */
    static String attribute(Element e, String name) {
        if (e == null || !e.hasAttribute(name)) {
            return null;
        }
        return e.getAttribute(name);
    }

    /**
     * A size element ({@code <memory unit='KiB'>}) in bytes.
     *
     * @param what the element, for messages ({@code <memory>})
     * @throws IllegalArgumentException if the size is not a number, its unit is unknown, or it is more
     *         than 2^63 - 1 bytes
     */
    static long bytes(Element e, String what) {
        String text = e.getTextContent().trim();
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException x) {
            throw new IllegalArgumentException(what + " is not a whole number: '" + text + "'", x);
        }
        String unit = attribute(e, "unit") == null ? "KiB" : attribute(e, "unit");
        long factor = unitFactor(unit);
        if (value > Long.MAX_VALUE / factor || value < Long.MIN_VALUE / factor) {
            throw new IllegalArgumentException(what + " of " + value + " " + unit + " does not fit in 2^63 bytes");
        }
        return value * factor;
    }

    /**
     * A decimal int.
     *
     * @param what the element or attribute, for messages ({@code <vcpu>})
     * @throws IllegalArgumentException if {@code text} is not a number in the int range
     */
    static int integer(String text, String what) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a whole number in the int range: '" + text + "'", e);
        }
    }

    static long unitFactor(String unit) {
        switch (unit) {
            case "b":
            case "bytes":
                return 1;
            case "KB":
                return 1000;
            case "k":
            case "KiB":
                return 1L << 10;
            case "MB":
                return 1000_000;
            case "M":
            case "MiB":
                return 1L << 20;
            case "GB":
                return 1000_000_000;
            case "G":
            case "GiB":
                return 1L << 30;
            case "TB":
                return 1000_000_000_000L;
            case "T":
            case "TiB":
                return 1L << 40;
            default:
                throw new IllegalArgumentException("unknown size unit '" + unit + "'");
        }
    }
}
