// placeholder
public enum SafehouseRedactionInfo {}
